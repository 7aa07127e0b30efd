#!/usr/bin/env python3
"""PyTorch reference fixtures for Lemma's classifier presets (Tests/LemmaModelsTests/Fixtures/classifiers.safetensors).

    /usr/bin/python3 scripts/make_classifier_fixtures.py Tests/LemmaModelsTests/Fixtures

One padded batch (pad id 0, lengths including 1) is shared by every case:
  batch.ids [B, L] (I64), batch.lengths [B] (I64), batch.labels [B] (I64)
Each case builds the architecture in PyTorch with small sizes and a fixed seed, in eval mode, and stores under
`<case>.`:
  param.<key>   the module's state_dict (Lemma loads it by the same keys)
  logits [B, C], loss (mean cross-entropy against batch.labels)
  grad.<key>    d loss / d parameter, for every parameter that requires grad (frozen ones have none)
The convolutional and recurrent references run each sequence on its own, unpadded, so they define what
"padding does not change a sequence's logits" means rather than reimplementing Lemma's masking.
Computed in float64, stored as float32.
"""
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import write_safetensors  # noqa: E402

torch.set_default_dtype(torch.float64)
fixtures = {}

VOCAB, CLASSES = 20, 3
LENGTHS = [6, 1, 4, 6, 2]


def make_batch():
    torch.manual_seed(0)
    width = max(LENGTHS)
    ids = torch.zeros(len(LENGTHS), width, dtype=torch.int64)
    for row, n in enumerate(LENGTHS):
        ids[row, :n] = torch.randint(1, VOCAB, (n,))
    labels = torch.randint(0, CLASSES, (len(LENGTHS),))
    return ids, labels


class MLP(nn.Module):
    """Seed 000's dense baseline: frozen vectors, flattened over a fixed length, two ReLU layers."""

    def __init__(self, pretrained, fixed_length, hidden):
        super().__init__()
        self.embeddings = nn.Embedding.from_pretrained(pretrained, freeze=True)
        self.embedding_dropout = nn.Dropout(0.5)
        self.dense1 = nn.Linear(fixed_length * pretrained.shape[1], hidden)
        self.dense2 = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(0.2)
        self.classifier = nn.Linear(hidden, CLASSES)

    def forward(self, ids, lengths):
        x = self.embedding_dropout(self.embeddings(ids)).flatten(1)
        return self.classifier(self.dropout(F.relu(self.dense2(F.relu(self.dense1(x))))))


class CNN(nn.Module):
    """Convolutions of several widths over each sequence alone; a sequence shorter than a filter is
    zero-padded to the filter's width (after the convolution's own padding)."""

    def __init__(self, dim, filters, widths, padding):
        super().__init__()
        self.padding = padding
        self.embeddings = nn.Embedding(VOCAB, dim, padding_idx=0)
        self.convolutions = nn.ModuleList(nn.Conv1d(dim, filters, k, padding=padding) for k in widths)
        self.dropout = nn.Dropout(0.3)
        self.classifier = nn.Linear(filters * len(widths), CLASSES)

    def forward(self, ids, lengths):
        rows = []
        for row, n in enumerate(lengths):
            x = self.embeddings(ids[row, :n]).t().unsqueeze(0)  # [1, E, n]
            pooled = []
            for conv in self.convolutions:
                missing = conv.kernel_size[0] - 2 * self.padding - n
                xi = F.pad(x, (0, missing)) if missing > 0 else x
                pooled.append(F.relu(conv(xi)).max(dim=2).values)
            rows.append(torch.cat(pooled, dim=1))
        return self.classifier(self.dropout(torch.cat(rows)))


def last_real(layer, x, n):
    """A batch-first layer's output for one unpadded sequence x [1, n, in]: the forward half at its last
    token, beside the reverse half at its first."""
    out, _ = layer(x)
    h = layer.hidden_size
    forward = out[0, n - 1, :h]
    return torch.cat([forward, out[0, 0, h:]]) if layer.bidirectional else forward


class RNNClassifier(nn.Module):
    def __init__(self, kind, dim, hidden, layers, bidirectional, nonlinearity="tanh"):
        super().__init__()
        self.embeddings = nn.Embedding(VOCAB, dim, padding_idx=0)
        extra = {"nonlinearity": nonlinearity} if kind is nn.RNN else {}
        self.rnn = kind(dim, hidden, num_layers=layers, batch_first=True, bidirectional=bidirectional,
                        dropout=0.3 if layers > 1 else 0.0, **extra)
        self.dropout = nn.Dropout(0.3)
        self.classifier = nn.Linear(hidden * (2 if bidirectional else 1), CLASSES)

    def forward(self, ids, lengths):
        rows = [last_real(self.rnn, self.embeddings(ids[row:row + 1, :n]), n) for row, n in enumerate(lengths)]
        return self.classifier(self.dropout(torch.stack(rows)))


class BiLSTM(nn.Module):
    """Seed 000's stack: BiLSTM layers returning sequences, then a forward LSTM read at the last token."""

    def __init__(self, dim, sizes):
        super().__init__()
        self.embeddings = nn.Embedding(VOCAB, dim, padding_idx=0)
        self.embedding_dropout = nn.Dropout(0.2)
        inputs = [dim] + [2 * s for s in sizes[:-2]]
        self.bilstms = nn.ModuleList(nn.LSTM(i, s, batch_first=True, bidirectional=True)
                                     for i, s in zip(inputs, sizes[:-1]))
        self.lstm = nn.LSTM(2 * sizes[-2], sizes[-1], batch_first=True)
        self.dropout = nn.Dropout(0.1)
        self.classifier = nn.Linear(sizes[-1], CLASSES)

    def forward(self, ids, lengths):
        rows = []
        for row, n in enumerate(lengths):
            x = self.embedding_dropout(self.embeddings(ids[row:row + 1, :n]))
            for layer in self.bilstms:
                x = self.dropout(layer(x)[0])
            rows.append(last_real(self.lstm, x, n))
        return self.classifier(self.dropout(torch.stack(rows)))


def record(case, model, ids, labels):
    model.eval()
    for key, value in model.state_dict().items():
        fixtures[f"{case}.param.{key}"] = value.float()
    logits = model(ids, LENGTHS)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    fixtures[f"{case}.logits"] = logits.detach().float()
    fixtures[f"{case}.loss"] = loss.detach().float()
    for key, p in model.named_parameters():
        if p.requires_grad:
            fixtures[f"{case}.grad.{key}"] = p.grad.float()


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "Tests/LemmaModelsTests/Fixtures"
    ids, labels = make_batch()
    fixtures["batch.ids"] = ids
    fixtures["batch.lengths"] = torch.tensor(LENGTHS)
    fixtures["batch.labels"] = labels

    cases = [
        ("mlp", lambda: MLP(torch.randn(VOCAB, 4), fixed_length=max(LENGTHS), hidden=10)),
        ("cnn", lambda: CNN(dim=5, filters=3, widths=[2, 3, 5], padding=1)),
        ("rnn_tanh_stack", lambda: RNNClassifier(nn.RNN, dim=5, hidden=6, layers=2, bidirectional=False)),
        ("rnn_relu_bi", lambda: RNNClassifier(nn.RNN, dim=5, hidden=4, layers=1, bidirectional=True,
                                              nonlinearity="relu")),
        ("gru_bi", lambda: RNNClassifier(nn.GRU, dim=5, hidden=5, layers=1, bidirectional=True)),
        ("lstm_bi_stack", lambda: RNNClassifier(nn.LSTM, dim=5, hidden=4, layers=2, bidirectional=True)),
        ("bilstm", lambda: BiLSTM(dim=5, sizes=[6, 5, 4])),
    ]
    for seed, (case, make) in enumerate(cases, start=1):
        torch.manual_seed(seed)
        record(case, make(), ids, labels)

    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "classifiers.safetensors")
    write_safetensors(path, fixtures, metadata={"torch": torch.__version__})
    print(f"wrote {len(fixtures)} tensors to {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
