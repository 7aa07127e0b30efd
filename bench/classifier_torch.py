#!/usr/bin/env python3
"""PyTorch's side of the `classifier` workload of bench/swift (ClassifierBench.swift): training steps of the
classifier presets at seed 004's training sizes, one JSON line per preset, with the same workload names.

    python3 bench/classifier_torch.py [--repeat N] [--only cnn]
    .build-presets/release/lemma-bench classifier            # Lemma's numbers

Batch 8 of random ids, every sequence 128 tokens (so reading the last step is reading the last real token,
and no masking is needed), a 20,000-token vocabulary of 100-d trainable vectors, two classes; each preset's
other sizes are its defaults (seed 004's SimpleCNN and SimpleRNN, seed 000's dense baseline and BiLSTM
stack). One step is forward, cross-entropy, backward, AdamW (lr 1e-3), zero_grad. Runs with
torch.set_num_threads(2); reports the median of `--repeat` timed batches after a warm-up batch.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(2)
args = sys.argv[1:]
repeats = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 7
only = args[args.index("--only") + 1] if "--only" in args else None
BATCH, LENGTH, VOCAB, DIM, CLASSES = 8, 128, 20_000, 100, 2


class MLP(nn.Module):
    def __init__(self, hidden=480):
        super().__init__()
        self.embeddings = nn.Embedding(VOCAB, DIM)
        self.embedding_dropout = nn.Dropout(0.5)
        self.dense1 = nn.Linear(LENGTH * DIM, hidden)
        self.dense2 = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(0.2)
        self.classifier = nn.Linear(hidden, CLASSES)

    def forward(self, ids):
        x = self.embedding_dropout(self.embeddings(ids)).flatten(1)
        return self.classifier(self.dropout(F.relu(self.dense2(F.relu(self.dense1(x))))))


class CNN(nn.Module):
    def __init__(self, filters=10, width=3):
        super().__init__()
        self.embeddings = nn.Embedding(VOCAB, DIM)
        self.convolution = nn.Conv1d(DIM, filters, width, padding=1)
        self.classifier = nn.Linear(filters, CLASSES)

    def forward(self, ids):
        x = self.embeddings(ids).transpose(1, 2)
        return self.classifier(F.adaptive_max_pool1d(F.relu(self.convolution(x)), 1).squeeze(2))


class RNN(nn.Module):
    def __init__(self, hidden=96):
        super().__init__()
        self.embeddings = nn.Embedding(VOCAB, DIM)
        self.rnn = nn.RNN(DIM, hidden, batch_first=True)
        self.classifier = nn.Linear(hidden, CLASSES)

    def forward(self, ids):
        return self.classifier(self.rnn(self.embeddings(ids))[0][:, -1])


class BiLSTM(nn.Module):
    """Seed 000's stack; bench/seed_recurrent_torch.py builds it at the seed's own sizes."""

    def __init__(self, sizes=(128, 64, 64), vocabulary=VOCAB, dim=DIM, classes=CLASSES, frozen=False):
        super().__init__()
        self.embeddings = nn.Embedding(vocabulary, dim)
        self.embeddings.weight.requires_grad_(not frozen)
        self.embedding_dropout = nn.Dropout(0.2)
        self.bilstm1 = nn.LSTM(dim, sizes[0], batch_first=True, bidirectional=True)
        self.bilstm2 = nn.LSTM(2 * sizes[0], sizes[1], batch_first=True, bidirectional=True)
        self.lstm = nn.LSTM(2 * sizes[1], sizes[2], batch_first=True)
        self.dropout = nn.Dropout(0.1)
        self.classifier = nn.Linear(sizes[2], classes)

    def forward(self, ids):
        x = self.embedding_dropout(self.embeddings(ids))
        x = self.dropout(self.bilstm1(x)[0])
        x = self.dropout(self.bilstm2(x)[0])
        return self.classifier(self.dropout(self.lstm(x)[0][:, -1]))


def measure(inner, body):
    for _ in range(inner):
        body()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            body()
        samples.append((time.perf_counter() - start) / inner)
    return sorted(samples)[len(samples) // 2]


def main():
    torch.manual_seed(0)
    ids = torch.randint(1, VOCAB, (BATCH, LENGTH))
    labels = torch.arange(BATCH) % 2
    for name, make in [("mlp", MLP), ("cnn", CNN), ("rnn", RNN), ("bilstm", BiLSTM)]:
        if only and only not in name:
            continue
        model = make()
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        last = [0.0]
        phases = ([], [], [])  # per step: forward + loss, backward, optimizer

        def step():
            start = time.perf_counter()
            loss = F.cross_entropy(model(ids), labels)
            forward_end = time.perf_counter()
            loss.backward()
            backward_end = time.perf_counter()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            for phase, value in zip(phases, (forward_end - start, backward_end - forward_end,
                                             time.perf_counter() - backward_end)):
                phase.append(value)
            last[0] = loss.item()

        seconds = measure(2 if name == "bilstm" else 10, step)
        medians = [sorted(p)[len(p) // 2] * 1e3 for p in phases]
        print(json.dumps({"workload": f"classifier {name} train step, B 8, T 128, vocab 20k, emb 100",
                          "impl": f"torch {torch.__version__}", "examples_per_s": BATCH / seconds,
                          "final_loss": last[0], "forward_ms": medians[0], "backward_ms": medians[1],
                          "optimizer_ms": medians[2]}, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
