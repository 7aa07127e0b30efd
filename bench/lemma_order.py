"""Lemma's batch orders, reproduced in Python so that a PyTorch twin can take the very batches a Lemma run took.

A paired comparison (bench/im2latex_twin.sh and bench/seq2seq_results.py with PAIRED / --paired) starts the twin
from the Lemma run's initial weights and replays its epochs in this order, so that the two runs of a seed differ
only by the implementations, not by the draws the seed makes. Everything here follows
Sources/LemmaData/Batching/BatchSampler.swift and Sources/LemmaTensor/Core/Random.swift draw for draw.
"""

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


class Xoshiro:
    """Lemma's RandomGenerator: xoshiro256** seeded through SplitMix64."""

    def __init__(self, seed):
        s, state = seed & MASK, []
        for _ in range(4):
            s = (s + GOLDEN) & MASK
            z = s
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            state.append(z ^ (z >> 31))
        self.s = state

    def next(self):
        s0, s1, s2, s3 = self.s
        r = (s1 * 5) & MASK
        result = (((r << 7) | (r >> 57)) & MASK) * 9 & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ((s3 << 45) | (s3 >> 19)) & MASK
        self.s = [s0, s1, s2, s3]
        return result

    def shuffle(self, values):
        """Fisher–Yates from the end, `nextInt(below:)` being next() mod the bound."""
        for i in range(len(values) - 1, 0, -1):
            j = self.next() % (i + 1)
            values[i], values[j] = values[j], values[i]


def epoch_generator(seed, epoch):
    """BatchSampler's generator for one epoch: seed + epoch · golden ratio, wrapping."""
    return Xoshiro((seed + epoch * GOLDEN) & MASK)


def chunk(indices, size):
    return [indices[k:k + size] for k in range(0, len(indices), size)]


def bucketed_batches(keys, size, seed, epoch):
    """`.bucketed`, one bucket per distinct key in ascending order (im2latex: one per image size): each bucket
    shuffled and cut into batches, then the batches shuffled."""
    generator = epoch_generator(seed, epoch)
    buckets = {}
    for i, key in enumerate(keys):
        buckets.setdefault(key, []).append(i)
    batches = []
    for key in sorted(buckets):
        members = buckets[key]
        generator.shuffle(members)
        batches += chunk(members, size)
    generator.shuffle(batches)
    return batches


def sortish_batches(lengths, size, seed, epoch):
    """`.sortish` (fastai's SortishSampler as Lemma draws it): a permutation cut into chunks of 50 batches, each
    sorted longest first (stable), cut into batches; the batch whose first example is longest (the first such)
    goes first and the rest are shuffled."""
    generator = epoch_generator(seed, epoch)
    indices = list(range(len(lengths)))
    generator.shuffle(indices)
    ordered = []
    for start in range(0, len(indices), size * 50):
        ordered += sorted(indices[start:start + size * 50], key=lambda i: -lengths[i])
    batches = chunk(ordered, size)
    if len(batches) < 2:
        return batches
    longest = max(range(len(batches)), key=lambda b: (lengths[batches[b][0]], -b))
    batches[0], batches[longest] = batches[longest], batches[0]
    rest = batches[1:]
    generator.shuffle(rest)
    return [batches[0]] + rest
