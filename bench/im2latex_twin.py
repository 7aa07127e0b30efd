#!/usr/bin/env python3
"""The PyTorch twin of an im2latex run: scripts/im2latex_torch.py's model at the run's sizes, trained on the run's
own prepared data (data/train, data/valid, data/test: the same processed images, vocabulary and token ids) with
the same recipe — batches of one image size, Adam, linear warm-up then cosine decay, clipping, teacher-forced
cross-entropy over real tokens, the run's steps — then scored on the test split decoded as the run decodes it
(beam search with the run's `decoding.beams`, default 5, and `decoding.length_penalty`, default 0 as im2markup)
by token BLEU-4 (nltk's corpus_bleu formula, no smoothing), edit distance as im2markup computes it
(1 − Σ edits / Σ longer length) and exact match. Prints one JSON object.

    bench/.venv/bin/python bench/im2latex_twin.py runs/im2latex [--seed 1] [--max-steps N] [--weights model.safetensors]
        [--save twin.safetensors]   (the trained weights, which `lemma eval` can score as the run's model)
        [--init lemma-initial.safetensors] [--lemma-order] [--loss-log steps.jsonl]
        [--checkpoint twin.pt [--checkpoint-every 250]]
(--init starts from given weights and --lemma-order replays Lemma's own batch order — its BatchSampler's
length-bucketed shuffle, xoshiro256** seeded with train.seed — so that, from a Lemma run's initial weights, the
two training loops can be compared step by step; --loss-log writes every step's loss.)
    [--resume runs/R/checkpoints/checkpoint-00002500 --stop-at 3000]
(--resume continues from a Lemma checkpoint instead: its weights, Adam's moments and step counts, the schedule and
Lemma's batch order from the checkpoint's step on (implies --lemma-order); --stop-at ends training at that step
without the evaluation, so that the twin and Lemma can be compared from the same mid-run state.)
(--checkpoint snapshots the twin's whole training state every --checkpoint-every steps and, when the file exists,
continues from it: a long run stopped part-way goes on where it stopped, the same steps as an uninterrupted run.)
    [--weights W --gradients DIR [--batches 20] [--epoch 0]]
(--gradients writes the per-batch gradients of weights W on Lemma's first batches of an epoch, and the batches, to DIR
for bench/im2latex_gradients.py.)
(bench/im2latex_twin.sh runs both sides over three seeds.)
"""
import json
import math
import os
import random
import struct
import sys
import time
from collections import Counter, defaultdict

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from im2latex_torch import Im2Markup, loss as cross_entropy  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lemma_order import bucketed_batches  # noqa: E402

# Two threads as the benchmark protocol says; OMP_NUM_THREADS=1 lets two seeds run side by side, one core each.
torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
args = sys.argv[1:]
run = args[0]
seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 1
torch.manual_seed(seed)
random.seed(seed)


def config_value(key, default):
    """A value of the run's config.yaml (flat `section:` / `  key: value` YAML as Lemma writes it)."""
    section, name = key.split(".")
    current = None
    for line in open(os.path.join(run, "config.yaml")):
        if not line.startswith(" ") and line.rstrip().endswith(":"):
            current = line.strip()[:-1]
        elif current == section and line.strip().startswith(name + ":"):
            text = line.split(":", 1)[1].strip().strip('"')
            for cast in (int, float):
                try:
                    return cast(text)
                except ValueError:
                    pass
            return text
    return default


class Split:
    def __init__(self, name):
        d = os.path.join(run, "data", name)
        self.pixels = np.fromfile(os.path.join(d, "pixels.u8"), dtype=np.uint8)
        self.images = np.fromfile(os.path.join(d, "images.i64"), dtype=np.int64).reshape(-1, 4)
        self.tokens = np.fromfile(os.path.join(d, "tokens.i32"), dtype=np.int32)
        self.offsets = np.fromfile(os.path.join(d, "offsets.i64"), dtype=np.int64)

    def __len__(self):
        return len(self.images)

    def image(self, i):
        offset, w, h, _ = self.images[i]
        return self.pixels[offset:offset + w * h].reshape(h, w)

    def ids(self, i):
        return self.tokens[self.offsets[i]:self.offsets[i + 1]].tolist()

    def size(self, i):
        return int(self.images[i][1]), int(self.images[i][2])


vocab = [line.rsplit(" ", 1)[0] for line in open(os.path.join(run, "data", "vocab.txt"), encoding="utf-8").read().split("\n") if line]
PAD, BOS, EOS = vocab.index("<pad>"), vocab.index("<bos>"), vocab.index("<eos>")


def collate(split, indices):
    images = [split.image(i) for i in indices]
    h, w = max(x.shape[0] for x in images), max(x.shape[1] for x in images)
    batch = np.ones((len(images), 1, h, w), dtype=np.float32)
    for b, x in enumerate(images):
        batch[b, 0, :x.shape[0], :x.shape[1]] = x / 255.0
    ids = [split.ids(i) for i in indices]
    steps = max(len(x) for x in ids) + 1
    inputs = torch.full((len(ids), steps), PAD, dtype=torch.long)
    targets = torch.full((len(ids), steps), PAD, dtype=torch.long)
    for b, x in enumerate(ids):
        inputs[b, 0] = BOS
        inputs[b, 1:len(x) + 1] = torch.tensor(x, dtype=torch.long)
        targets[b, :len(x)] = torch.tensor(x, dtype=torch.long)
        targets[b, len(x)] = EOS
    return torch.from_numpy(batch), inputs, targets


def epoch_batches(split, size):
    buckets = defaultdict(list)
    for i in range(len(split)):
        buckets[split.size(i)].append(i)
    batches = []
    for members in buckets.values():
        random.shuffle(members)
        batches += [members[k:k + size] for k in range(0, len(members), size)]
    random.shuffle(batches)
    return batches


def lemma_epoch_batches(split, size, seed, epoch):
    """Lemma's BatchSampler.Order.bucketed for the im2latex source: one bucket per image size (key
    width·4096 + height, ascending)."""
    return bucketed_batches([w * 4096 + h for w, h in map(split.size, range(len(split)))], size, seed, epoch)


def bleu4(hypotheses, references):
    matches, totals, hyp_len, ref_len = [0] * 4, [0] * 4, 0, 0
    for h, r in zip(hypotheses, references):
        hyp_len, ref_len = hyp_len + len(h), ref_len + len(r)
        for n in range(1, 5):
            hc = Counter(tuple(h[i:i + n]) for i in range(len(h) - n + 1))
            rc = Counter(tuple(r[i:i + n]) for i in range(len(r) - n + 1))
            matches[n - 1] += sum(min(c, rc[g]) for g, c in hc.items())
            totals[n - 1] += max(len(h) - n + 1, 0)
    if min(matches) == 0:
        return 0.0
    log_precision = sum(math.log(m / t) for m, t in zip(matches, totals)) / 4
    brevity = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / max(hyp_len, 1))
    return 100 * brevity * math.exp(log_precision)


def levenshtein(a, b):
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


channels = config_value("model.cnn_channels", 512)
model = Im2Markup(len(vocab), cnn_widths=(channels // 8, channels // 4, channels // 2, channels // 2, channels, channels),
                  row_encoder_hidden=0 if config_value("model.arch", "im2markup") == "untrix" else config_value("model.encoder_hidden_size", 256),
                  max_rows=128, embedding=config_value("model.embedding_dim", 80), decoder_hidden=config_value("model.hidden_size", 512),
                  dropout=float(config_value("model.dropout", 0)))
train, valid, test = Split("train"), Split("valid"), Split("test")
batch_size = config_value("train.batch_size", 16)
steps = int(args[args.index("--max-steps") + 1]) if "--max-steps" in args else config_value("train.max_steps", 1000)


def load_lemma_weights(path):
    """Lemma's model.safetensors (every tensor float32) into the twin, batch norm's counters as integers."""
    from safetensors.torch import load_file
    model.load_state_dict({k: (v.long() if k.endswith("num_batches_tracked") else v) for k, v in load_file(path).items()})


if "--weights" in args:  # score given weights (e.g. the Lemma run's model.safetensors) without training
    load_lemma_weights(args[args.index("--weights") + 1])
    steps = 0
if "--gradients" in args:
    # Per-batch gradients of the given weights on Lemma's first --batches batches of epoch --epoch (training mode,
    # no optimizer step), with the batches themselves, for `lemma-bench im2latex-gradients` to compute Lemma's on
    # the same inputs; bench/im2latex_gradients.py compares the two per tensor.
    from safetensors.torch import save_file
    out = args[args.index("--gradients") + 1]
    count = int(args[args.index("--batches") + 1]) if "--batches" in args else 20
    epoch_number = int(args[args.index("--epoch") + 1]) if "--epoch" in args else 0
    os.makedirs(out, exist_ok=True)
    chosen = lemma_epoch_batches(train, batch_size, seed, epoch_number)[:count]
    batches, gradients = {}, {}
    model.train()
    for i, indices in enumerate(chosen):
        images, inputs, targets = collate(train, indices)
        batches.update({f"{i}.images": images, f"{i}.inputs": inputs.float(), f"{i}.targets": targets.float()})
        model.zero_grad()
        value = cross_entropy(model(images, inputs), targets, PAD)
        value.backward()
        gradients[f"{i}.loss"] = value.detach().reshape(1)
        gradients.update({f"{i}.{name}": p.grad.detach().clone() for name, p in model.named_parameters()})
    save_file(batches, os.path.join(out, "batches.safetensors"))
    save_file(gradients, os.path.join(out, "torch_gradients.safetensors"))
    print(f"wrote {len(chosen)} batches and their gradients to {out}", file=sys.stderr)
    sys.exit(0)
if "--init" in args:  # start from given weights (a Lemma run's initial weights) instead of PyTorch's initialization
    load_lemma_weights(args[args.index("--init") + 1])
resume = args[args.index("--resume") + 1] if "--resume" in args else None
if resume:  # a Lemma checkpoint: weights, then Adam's state below
    load_lemma_weights(os.path.join(resume, "model.safetensors"))
    trainer_state = json.load(open(os.path.join(resume, "trainer_state.json")))
lemma_order = "--lemma-order" in args or resume is not None
stop_at = int(args[args.index("--stop-at") + 1]) if "--stop-at" in args else steps
loss_log_path = args[args.index("--loss-log") + 1] if "--loss-log" in args else None
own_checkpoint = args[args.index("--checkpoint") + 1] if "--checkpoint" in args else None
checkpoint_every = int(args[args.index("--checkpoint-every") + 1]) if "--checkpoint-every" in args else 250
warmup = config_value("train.warmup_steps", 0)
base_lr = float(config_value("train.learning_rate", 1e-3))
optimizer = torch.optim.Adam(model.parameters(), lr=base_lr)


def learning_rate(s):
    """Hugging Face's get_cosine_schedule_with_warmup, as Lemma's CosineWarmupSchedule, for the step after `s`
    finished steps (as LambdaLR sets it): the first step's rate is 0."""
    return base_lr * (s / warmup if s < warmup else 0.5 * (1 + math.cos(math.pi * (s - warmup) / max(1, steps - warmup))))


start, step, epoch, order, recent = time.time(), 0, 0, [], []
if resume:
    # Lemma's Adam state: optimizer.state.<i>.* for the i-th parameter in the order both models list them.
    from safetensors.torch import load_file
    moments = load_file(os.path.join(resume, "optimizer.safetensors"))
    for i, parameter in enumerate(model.parameters()):
        optimizer.state[parameter] = {"step": moments[f"optimizer.state.{i}.step"].clone(),
                                      "exp_avg": moments[f"optimizer.state.{i}.exp_avg"].clone(),
                                      "exp_avg_sq": moments[f"optimizer.state.{i}.exp_avg_sq"].clone()}
    step, epoch = trainer_state["global_step"], trainer_state["epoch"]
    order = list(reversed(lemma_epoch_batches(train, batch_size, seed, epoch)))
    del order[len(order) - trainer_state["batch_in_epoch"]:]   # the batches this epoch has already taken
    epoch += 1
if own_checkpoint and os.path.exists(own_checkpoint):
    # The twin's own snapshot from an interrupted invocation: everything the loop carries, so that the run goes on
    # exactly as if it had not stopped (the loss log keeps its lines up to the snapshot's step).
    saved = torch.load(own_checkpoint, weights_only=False)
    model.load_state_dict(saved["model"])
    optimizer.load_state_dict(saved["optimizer"])
    step, epoch, order, recent = saved["step"], saved["epoch"], saved["order"], saved["recent"]
    random.setstate(saved["python_random"])
    torch.set_rng_state(saved["torch_random"])
    start = time.time() - saved["seconds"]
    print(f"continuing from {own_checkpoint} at step {step}", file=sys.stderr, flush=True)
loss_log = None
if loss_log_path:
    kept = []
    if own_checkpoint and os.path.exists(own_checkpoint) and os.path.exists(loss_log_path):
        kept = [line for line in open(loss_log_path) if line.strip() and json.loads(line)["step"] <= step]
    loss_log = open(loss_log_path, "w")
    loss_log.writelines(kept)


def snapshot():
    """Writes the twin's state to --checkpoint (a temporary file renamed over it, so a kill leaves the old one)."""
    loss_log and loss_log.flush()
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step, "epoch": epoch,
                "order": order, "recent": recent[-100:], "python_random": random.getstate(),
                "torch_random": torch.get_rng_state(), "seconds": time.time() - start}, own_checkpoint + ".tmp")
    os.replace(own_checkpoint + ".tmp", own_checkpoint)


model.train()
while step < stop_at:
    if not order:
        order = list(reversed(lemma_epoch_batches(train, batch_size, seed, epoch))) if lemma_order else epoch_batches(train, batch_size)
        epoch += 1
    for group in optimizer.param_groups:
        group["lr"] = learning_rate(step)
    images, inputs, targets = collate(train, order.pop())
    value = cross_entropy(model(images, inputs), targets, PAD)
    recent.append(value.item())
    optimizer.zero_grad()
    value.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), float(config_value("train.max_grad_norm", 1.0)))
    if loss_log:
        loss_log.write(json.dumps({"step": step + 1, "loss": value.item(), "grad_norm": float(norm),
                                   "learning_rate": optimizer.param_groups[0]["lr"]}) + "\n")
    optimizer.step()
    step += 1
    if own_checkpoint and step % checkpoint_every == 0 and step < stop_at:
        snapshot()
    if step % 100 == 0:
        print(f"step {step}: loss {sum(recent[-100:]) / len(recent[-100:]):.4f}", file=sys.stderr, flush=True)
seconds = time.time() - start
train_loss = sum(recent[-100:]) / max(len(recent[-100:]), 1)
if "--save" in args:  # the trained weights under Lemma's keys (all float32), for `lemma eval` to score its images
    from safetensors.torch import save_file
    save_file({k: v.detach().float().contiguous() for k, v in model.state_dict().items()}, args[args.index("--save") + 1])
if stop_at < steps:  # a mid-run comparison: no evaluation
    print(json.dumps({"impl": f"torch {torch.__version__}", "seed": seed, "stopped_at": step, "train_loss": train_loss,
                      "training_seconds": seconds}))
    sys.exit(0)
model.eval()
torch.set_grad_enabled(False)
# The validation split's teacher-forced loss per real token (Lemma's eval_loss), batches of one size.
loss_sum, token_count = 0.0, 0
valid_sizes = defaultdict(list)
for i in range(len(valid)):
    valid_sizes[valid.size(i)].append(i)
for members in valid_sizes.values():
    for k in range(0, len(members), 32):
        images, inputs, targets = collate(valid, members[k:k + 32])
        real = int((targets != PAD).sum())
        loss_sum += cross_entropy(model(images, inputs), targets, PAD).item() * real
        token_count += real
hypotheses, references = [], []
by_size = defaultdict(list)
for i in range(len(test)):
    by_size[test.size(i)].append(i)
beams = config_value("decoding.beams", 5)
length_penalty = float(config_value("decoding.length_penalty", 0.0))
max_length = config_value("decoding.max_length", 150)
decode_start = time.time()
for members in by_size.values():
    for k in range(0, len(members), 32):
        chunk = members[k:k + 32]
        images, _, _ = collate(test, chunk)
        if beams > 1:
            out = [tokens for tokens, _ in model.beam_search(images, BOS, EOS, beams, max_length, length_penalty)]
        else:
            out = model.greedy(images, BOS, EOS, max_length).tolist()
        for i, row in zip(chunk, out):
            hypotheses.append(row[:row.index(EOS)] if EOS in row else row)
            references.append(test.ids(i))
edits = sum(levenshtein(h, r) for h, r in zip(hypotheses, references))
longer = sum(max(len(h), len(r)) for h, r in zip(hypotheses, references))
print(json.dumps({"impl": f"torch {torch.__version__}", "seed": seed, "steps": steps, "training_seconds": seconds,
                  "decoding_seconds": time.time() - decode_start, "beams": beams, "train_loss": train_loss,
                  "eval_loss": loss_sum / max(token_count, 1),
                  "bleu": bleu4(hypotheses, references),
                  "edit_distance": 1 - edits / max(longer, 1),
                  "exact_match": sum(h == r for h, r in zip(hypotheses, references)) / len(references)}))
