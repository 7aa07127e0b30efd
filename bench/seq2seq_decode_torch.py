#!/usr/bin/env python3
"""PyTorch twin of `lemma-bench seq2seq-decode --run RUN_DIR`: the run's trained weights (model.safetensors,
loaded into the same model seq2seq_torch.py trains) decode the test split in batches of 64 cut from the
sources sorted by length, longest first (ties in dataset order; Lemma's evaluation order), padded to their
longest source, greedily and with beam 5, up to decoding.max_length_a · source length +
decoding.max_length_b tokens. Beam search keeps 5 hypotheses per item, scores log-probability sums divided
by length (length penalty 1), retires a beam when it emits the end token and stops an item once 5 have
finished (Hugging Face's early_stopping=True), reordering the decoder state by beam each step. Both run
as Hugging Face's `generate` does, every row to the end of its batch; the "dropped" variants also take
finished rows (greedy) and finished items (beam) out of the batch, as Lemma's decoder does. Prints one
JSON line per strategy: median examples per second over --repeat runs after a warm-up.

The transformer preset steps with a key/value cache, as Hugging Face's decoders do (checked before timing
against seq2seq_torch's whole-prefix decoder).

With --lanes N the batches run side by side on N Python threads, each op on one thread
(torch.set_num_threads(1)), as Lemma decodes them: the same strategy, tried on PyTorch's side.

    bench/.venv/bin/python bench/seq2seq_decode_torch.py RUN_DIR [--repeat 3] [--threads 2] [--flush] [--lanes 2]
"""
import argparse
import json
import math
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seq2seq_torch as twin  # noqa: E402
from classification_torch import read_config, read_safetensors  # noqa: E402


def attend(q, k, v, mask=None):
    """Heads [B, H, Tq, dh] against keys/values [B, H, Tk, dh]; `mask` [B, 1, 1, Tk] True where a key is padding."""
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    return torch.softmax(scores, -1) @ v


def transformer_step_fn(model, src):
    """nn.Transformer's decoder one token at a time with a key/value cache (as Hugging Face's decoders keep
    one): each layer's self-attention keys and values of the tokens so far, and its cross-attention keys and
    values of the encoder output, projected once per batch. Same outputs as the whole-prefix decoder."""
    padding = src == model.pad_idx
    memory = model.transformer.encoder(model.embed(src, model.src_emb), src_key_padding_mask=padding)
    layers, d = model.transformer.decoder.layers, model.d
    heads = layers[0].self_attn.num_heads

    def split(x):  # [B, T, d] → [B, H, T, dh]
        return x.view(x.shape[0], x.shape[1], heads, d // heads).transpose(1, 2)

    def merge(x):
        return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], d)

    cross = []
    for layer in layers:
        w, b = layer.multihead_attn.in_proj_weight, layer.multihead_attn.in_proj_bias
        cross.append((split(F.linear(memory, w[d:2 * d], b[d:2 * d])), split(F.linear(memory, w[2 * d:], b[2 * d:]))))
    table = model.positions(512 if model.pos_emb is None else model.pos_emb.num_embeddings)

    def self_block(layer, x, cache):
        q, k, v = F.linear(x, layer.self_attn.in_proj_weight, layer.self_attn.in_proj_bias).chunk(3, -1)
        k, v = split(k), split(v)
        if cache is not None:
            k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
        return layer.self_attn.out_proj(merge(attend(split(q), k, v))), (k, v)

    def cross_block(layer, x, keys, values, mask):
        w, b = layer.multihead_attn.in_proj_weight, layer.multihead_attn.in_proj_bias
        q = split(F.linear(x, w[:d], b[:d]))
        return layer.multihead_attn.out_proj(merge(attend(q, keys, values, mask)))

    def feed_forward(layer, x):
        return layer.linear2(layer.activation(layer.linear1(x)))

    def step(tokens, state):
        caches, position, cross_kv, mask = state
        x = model.tgt_emb(tokens[:, None]) * math.sqrt(d) + table[position]
        after = []
        for layer, cache, (keys, values) in zip(layers, caches, cross_kv):
            if layer.norm_first:
                attended, cache = self_block(layer, layer.norm1(x), cache)
                x = x + attended
                x = x + cross_block(layer, layer.norm2(x), keys, values, mask)
                x = x + feed_forward(layer, layer.norm3(x))
            else:
                attended, cache = self_block(layer, x, cache)
                x = layer.norm1(x + attended)
                x = layer.norm2(x + cross_block(layer, x, keys, values, mask))
                x = layer.norm3(x + feed_forward(layer, x))
            after.append(cache)
        x = model.transformer.decoder.norm(x)[:, 0]
        return torch.log_softmax(x @ model.tgt_emb.weight.T + model.out_bias, 1), (after, position + 1, cross_kv, mask)

    def select(state, rows):
        caches, position, cross_kv, mask = state
        return ([(k[rows], v[rows]) for k, v in caches] if caches[0] is not None else caches, position,
                [(k[rows], v[rows]) for k, v in cross_kv], mask[rows])

    return step, select, ([None] * len(layers), 0, cross, padding[:, None, None, :])


def check_transformer_cache(model, src, limit, bos):
    """The cached step's greedy tokens against the whole-prefix decoder's (seq2seq_torch's), fed the same
    tokens: the cache must not change what the decoder computes."""
    step, _, state = transformer_step_fn(model, src)
    tokens, same, total = torch.full((src.shape[0],), bos, dtype=torch.long), 0, 0
    for expected in twin.transformer_steps(model, src, limit, bos):
        logp, state = step(tokens, state)
        same, total = same + int((logp.argmax(1) == expected).sum()), total + expected.numel()
        tokens = expected
    if same < 0.995 * total:
        raise SystemExit(f"the cached transformer step disagrees with the whole-prefix decoder: {same} of {total} tokens")


def step_fn(model, src):
    """The decoder as (tokens, state) → (log-probabilities, state), with a row selector for the state."""
    if isinstance(model, twin.twins.Seq2SeqTransformer):
        return transformer_step_fn(model, src)
    if isinstance(model, twin.twins.Seq2SeqRNNAttention):
        hid, enc_out = model.encoder(src.shape[0], src)
        enc_att = model.enc_att(enc_out)

        def step(tokens, state):
            hid, enc_out, enc_att = state
            hid, out = model.decoder(tokens, hid, enc_att, enc_out)
            return torch.log_softmax(out, 1), (hid, enc_out, enc_att)

        def select(state, rows):
            hid, enc_out, enc_att = state
            return hid[:, rows], enc_out[rows], enc_att[rows]
        return step, select, (hid, enc_out, enc_att)
    hid = model.encoder(src.shape[0], src)

    def step(tokens, state):
        state, out = model.decoder(tokens, state)
        return torch.log_softmax(out, 1), state
    return step, (lambda state, rows: state[:, rows]), hid


def greedy(model, src, limit, bos, eos, pad):
    step, _, state = step_fn(model, src)
    tokens = torch.full((src.shape[0],), bos, dtype=torch.long)
    done = torch.zeros(src.shape[0], dtype=torch.bool)
    produced = 0
    for _ in range(limit):
        logp, state = step(tokens, state)
        tokens = torch.where(done, torch.full_like(tokens, pad), logp.argmax(1))
        produced += int((~done).sum())
        done |= (tokens == eos) | (tokens == pad)
        if bool(done.all()):
            break
    return produced


def step_candidates(scores, logp, n, k, pad):
    """The 2k best continuations of each of n items' k beams (score, beam, token), and empty slots for the
    beams that run on."""
    vocab = logp.shape[1]
    total = (scores.reshape(-1, 1) + logp).reshape(n, k * vocab)
    best, index = total.topk(2 * k, dim=1)
    following = (torch.full((n, k), float("-inf")), torch.zeros(n, k, dtype=torch.long),
                 torch.full((n, k), pad, dtype=torch.long))
    return (best, index // vocab, index % vocab), following


def extend_item(p, finished, k, length, candidates, history, following, eos, pad):
    """Beam search's step for the item in position p of the batch: of its 2k best candidates, those ending in
    eos/pad become finished hypotheses (score / length) while fewer than k are, the best k others run on."""
    best, beam_of, token_of = candidates
    next_scores, next_rows, next_tokens = following
    kept = 0
    for c in range(2 * k):
        row = p * k + int(beam_of[p, c])
        token = int(token_of[p, c])
        if token == eos or token == pad:
            if len(finished) < k:
                finished.append((float(best[p, c]) / length, history[row].tolist()))
            continue
        next_scores[p, kept], next_rows[p, kept], next_tokens[p, kept] = best[p, c], row, token
        kept += 1
        if kept == k:
            break


def beam(model, src, limit, bos, eos, pad, k=5):
    batch = src.shape[0]
    step, select, state = step_fn(model, src)
    rows = torch.arange(batch).repeat_interleave(k)
    state = select(state, rows)
    tokens = torch.full((batch * k,), bos, dtype=torch.long)
    scores = torch.zeros(batch, k)
    scores[:, 1:] = float("-inf")  # all beams start as one
    finished = [[] for _ in range(batch)]
    history = torch.zeros(batch * k, 0, dtype=torch.long)
    for length in range(1, limit + 1):
        logp, state = step(tokens, state)
        candidates, following = step_candidates(scores, logp, batch, k, pad)
        next_scores, next_rows, next_tokens = following
        for b in range(batch):
            if len(finished[b]) < k:
                extend_item(b, finished[b], k, length, candidates, history, following, eos, pad)
        if all(len(f) >= k for f in finished):
            break
        flat_rows = next_rows.reshape(-1)
        state = select(state, flat_rows)
        history = torch.cat([history[flat_rows], next_tokens.reshape(-1, 1)], 1)
        tokens, scores = next_tokens.reshape(-1), next_scores
    return sum(len(max(f, key=lambda h: h[0])[1]) if f else 0 for f in finished)



def greedy_dropping(model, src, limit, bos, eos, pad):
    """Greedy search that drops finished rows from the batch (state and all), as Lemma's decoder does."""
    step, select, state = step_fn(model, src)
    tokens = torch.full((src.shape[0],), bos, dtype=torch.long)
    produced = 0
    for _ in range(limit):
        logp, state = step(tokens, state)
        tokens = logp.argmax(1)
        produced += tokens.shape[0]
        alive = ((tokens != eos) & (tokens != pad)).nonzero().squeeze(1)
        if alive.numel() == 0:
            break
        if alive.numel() < tokens.shape[0]:
            state, tokens = select(state, alive), tokens[alive]
    return produced


def beam_dropping(model, src, limit, bos, eos, pad, k=5):
    """`beam`, dropping an item's rows from the batch once it has k finished hypotheses, as Lemma does."""
    batch = src.shape[0]
    step, select, state = step_fn(model, src)
    state = select(state, torch.arange(batch).repeat_interleave(k))
    tokens = torch.full((batch * k,), bos, dtype=torch.long)
    scores = torch.zeros(batch, k)
    scores[:, 1:] = float("-inf")
    finished = [[] for _ in range(batch)]
    history = torch.zeros(batch * k, 0, dtype=torch.long)
    active = list(range(batch))  # the items whose k rows the state holds, in order
    for length in range(1, limit + 1):
        logp, state = step(tokens, state)
        candidates, following = step_candidates(scores, logp, len(active), k, pad)
        next_scores, next_rows, next_tokens = following
        keep = []
        for p, b in enumerate(active):
            extend_item(p, finished[b], k, length, candidates, history, following, eos, pad)
            if len(finished[b]) < k:
                keep.append(p)
        if not keep:
            break
        active = [active[p] for p in keep]
        keep = torch.tensor(keep)
        flat_rows = next_rows[keep].reshape(-1)
        state = select(state, flat_rows)
        history = torch.cat([history[flat_rows], next_tokens[keep].reshape(-1, 1)], 1)
        tokens, scores = next_tokens[keep].reshape(-1), next_scores[keep]
    return sum(len(max(f, key=lambda h: h[0])[1]) if f else 0 for f in finished)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--flush", action="store_true", help="torch.set_flush_denormal(True), as Lemma flushes")
    parser.add_argument("--lanes", type=int, default=1, help="batches side by side on this many threads, ops single-threaded")
    args = parser.parse_args()
    torch.set_num_threads(1 if args.lanes > 1 else args.threads)
    if args.flush:
        torch.set_flush_denormal(True)
    config = read_config(os.path.join(args.run_dir, "config.yaml"))
    target_tokens = twin.vocabulary(args.run_dir, "target")
    pad, bos, eos = target_tokens.index("<pad>"), target_tokens.index("<bos>"), target_tokens.index("<eos>")
    model = twin.build(config, len(twin.vocabulary(args.run_dir, "source")), len(target_tokens), bos, pad)
    weights = read_safetensors(os.path.join(args.run_dir, "model.safetensors"))
    missing = model.load_state_dict(weights, strict=False).missing_keys
    if isinstance(model, twin.twins.Seq2SeqTransformer):
        assert missing == [], missing  # the output reads tgt_emb.weight directly
    else:
        assert missing == ["out.weight"], missing  # tied to emb_dec.weight, which Lemma stores once
        model.out.weight = model.emb_dec.weight
    model.eval()
    test = twin.Pairs(os.path.join(args.run_dir, "data", "test"))
    max_source = config.get("tokenizer.max_length", 128)
    a, b = config.get("decoding.max_length_a", 1.5), config.get("decoding.max_length_b", 10)
    batches = []
    cut = [test.source.row(i)[:max_source] for i in range(len(test))]
    order = sorted(range(len(test)), key=lambda i: -len(cut[i]))
    for start in range(0, len(test), 64):
        rows = [cut[i] for i in order[start:start + 64]]
        width = max(len(r) for r in rows)
        src = torch.full((len(rows), width), pad, dtype=torch.long)
        for k, r in enumerate(rows):
            src[k, :len(r)] = torch.from_numpy(r.astype("int64"))
        batches.append((src, int(a * width) + b))
    strategies = [("greedy", greedy), ("beam 5", beam), ("greedy, finished rows dropped", greedy_dropping),
                  ("beam 5, finished items dropped", beam_dropping)]
    if isinstance(model, twin.twins.Seq2SeqTransformer):
        with torch.no_grad():
            check_transformer_cache(model, *batches[-1], bos)
    pool = ThreadPoolExecutor(args.lanes) if args.lanes > 1 else None
    for name, decode in strategies:
        def one(batch):
            # Grad mode and the denormal setting belong to each thread.
            if args.flush:
                torch.set_flush_denormal(True)
            with torch.no_grad():
                return decode(model, batch[0], batch[1], bos, eos, pad)
        samples, produced = [], 0
        for attempt in range(args.repeat + 1):
            start = time.perf_counter()
            produced = sum(pool.map(one, batches) if pool else map(one, batches))
            if attempt > 0:
                samples.append(time.perf_counter() - start)
        lanes = f", {args.lanes} lanes" if pool else ""
        print(json.dumps({"workload": f"seq2seq decode {len(test)} test sources, {name}, batch 64",
                          "impl": f"torch {torch.__version__}{lanes}", "examples_per_s": len(test) / statistics.median(samples),
                          "tokens_out": produced}))


if __name__ == "__main__":
    main()
