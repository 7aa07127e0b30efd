#!/usr/bin/env python3
"""PyTorch's side of the seed-sized recurrent workloads of bench/swift (SeedRecurrentBench.swift): one
training step (forward, cross-entropy, backward, Adam, zero_grad) of

  seed000-bilstm  seed 000's stack: 300-d frozen vectors -> BiLSTM 128 -> BiLSTM 64 -> LSTM 64 -> dense 8,
                  batch 128 of 480 tokens;
  seed002-gru     seed 002's Seq2SeqRNN: 300-d vectors, encoder 2xGRU 256 (dropout .25), Linear(256->300,
                  no bias) as the decoder's state, decoder 2xGRU 300 (dropout .1) one step at a time on the
                  previous target token (teacher forcing), dropout .35, output tied to the decoder embedding,
                  12,000-token vocabulary, batch 64, 30 tokens each side.

    python3 bench/seed_recurrent_torch.py seed000-bilstm [--repeat N]
    LEMMA_BENCH_TORCH_FLUSH=1 python3 bench/seed_recurrent_torch.py seed002-gru   # torch.set_flush_denormal(True)

Runs with torch.set_num_threads(2); reports the median of `--repeat` timed steps after a warm-up step, with
the same workload names and GEMM work as Lemma's side.
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from classifier_torch import BiLSTM  # noqa: E402  (seed 000's stack)

torch.set_num_threads(2)
FLUSH = os.environ.get("LEMMA_BENCH_TORCH_FLUSH") == "1"
if FLUSH:
    torch.set_flush_denormal(True)
args = sys.argv[1:]
repeats = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 7
which = next((a for a in args if not a.startswith("-") and not a.isdigit()), "all")


class Seq2SeqRNN(nn.Module):
    """Seed 002's model, its forward with teacher forcing on every step."""

    def __init__(self, vocabulary, embedding=300, hidden=256, layers=2):
        super().__init__()
        self.emb_enc = nn.Embedding(vocabulary, embedding, padding_idx=1)
        self.emb_enc_drop = nn.Dropout(0.15)
        self.gru_enc = nn.GRU(embedding, hidden, num_layers=layers, dropout=0.25, batch_first=True)
        self.out_enc = nn.Linear(hidden, embedding, bias=False)
        self.emb_dec = nn.Embedding(vocabulary, embedding, padding_idx=1)
        self.gru_dec = nn.GRU(embedding, embedding, num_layers=layers, dropout=0.1, batch_first=True)
        self.out_drop = nn.Dropout(0.35)
        self.out = nn.Linear(embedding, vocabulary)
        self.out.weight = self.emb_dec.weight

    def forward(self, inp, targ, project_each_step=True):
        bs = inp.size(0)
        _, h = self.gru_enc(self.emb_enc_drop(self.emb_enc(inp)))
        h = self.out_enc(h)
        dec_inp = inp.new_zeros(bs)
        res = []
        for i in range(targ.size(1)):
            outp, h = self.gru_dec(self.emb_dec(dec_inp).unsqueeze(1), h)
            res.append(self.out(self.out_drop(outp[:, 0])) if project_each_step else outp[:, 0])
            dec_inp = targ[:, i]
        # Otherwise all steps' outputs are projected at once: the same numbers under teacher forcing.
        return torch.stack(res, dim=1) if project_each_step else self.out(self.out_drop(torch.stack(res, dim=1)))


def run_steps(name, flop, model, loss_fn):
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    model.train()
    phases = ([], [], [])
    last = [0.0]

    def step():
        start = time.perf_counter()
        loss = loss_fn()
        forward_end = time.perf_counter()
        loss.backward()
        backward_end = time.perf_counter()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        for phase, value in zip(phases, (forward_end - start, backward_end - forward_end,
                                         time.perf_counter() - backward_end)):
            phase.append(value)
        last[0] = loss.item()

    step()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        samples.append(time.perf_counter() - start)
    seconds = sorted(samples)[len(samples) // 2]
    medians = [sorted(p)[len(p) // 2] * 1e3 for p in phases]
    print(json.dumps({"workload": name, "impl": f"torch {torch.__version__}",
                      "ms_per_step": seconds * 1e3, "final_loss": last[0], "gemm_gflop": flop / 1e9,
                      "gflops": flop / seconds / 1e9, "forward_ms": medians[0], "backward_ms": medians[1],
                      "optimizer_ms": medians[2]}, sort_keys=True), flush=True)


def lstm_flop(rows, inp, hidden, directions, input_gradient):
    gates = 4 * hidden
    forward = rows * gates * (inp + hidden) * 2
    backward = rows * gates * (inp + hidden) * 2 + rows * gates * ((inp if input_gradient else 0) + hidden) * 2
    return directions * (forward + backward)


def bench_seed000():
    batch, length, vocabulary, classes = 128, 480, 20_000, 8
    torch.manual_seed(3)
    model = BiLSTM(vocabulary=vocabulary, dim=300, classes=classes, frozen=True)
    ids = torch.randint(1, vocabulary, (batch, length))
    labels = torch.arange(batch) % classes
    rows = batch * length
    flop = lstm_flop(rows, 300, 128, 2, False) + lstm_flop(rows, 256, 64, 2, True) + lstm_flop(rows, 128, 64, 1, True)
    run_steps("seed000 bilstm train step, B 128, T 480, emb 300 frozen, 128-64-64, Adam", flop, model,
              lambda: F.cross_entropy(model(ids), labels))


def bench_seed002():
    batch, length, vocabulary = 64, 30, 12_000
    torch.manual_seed(4)
    model = Seq2SeqRNN(vocabulary)
    source = torch.randint(2, vocabulary, (batch, length))
    target = torch.randint(2, vocabulary, (batch, length))
    rows = batch * length

    def gru(inp, hidden):
        return 3 * rows * 3 * hidden * (inp + hidden) * 2

    flop = gru(300, 256) + gru(256, 256) + 2 * gru(300, 300) + 3 * rows * vocabulary * 300 * 2
    run_steps("seed002 gru seq2seq train step, B 64, T 30, vocab 12k, stepwise decoder, Adam", flop, model,
              lambda: F.cross_entropy(model(source, target).reshape(-1, vocabulary), target.reshape(-1)))
    run_steps("seed002 gru seq2seq train step, B 64, T 30, vocab 12k, stepwise decoder, projection after the steps, Adam",
              flop, model,
              lambda: F.cross_entropy(model(source, target, False).reshape(-1, vocabulary), target.reshape(-1)))


WORKLOADS = {"seed000-bilstm": bench_seed000, "seed002-gru": bench_seed002}

if __name__ == "__main__":
    if which != "all" and which not in WORKLOADS:
        sys.exit(f"seed_recurrent_torch.py: unknown workload '{which}'; one of all, {', '.join(WORKLOADS)}")
    for name, run in WORKLOADS.items():
        if which in ("all", name):
            run()
