#!/usr/bin/env python3
"""PyTorch twin of a Lemma classification run: the same data, split, tokenization, architecture and training.

    python3 bench/classification_torch.py RUN_DIR [--epochs E] [--max-steps N] [--seed S] [--threads 2]
                                          [--rnn-input packed|gather] [--foreach | --fused] [--no-checkpoints]
                                          [--check-lemma-weights]

RUN_DIR is a directory made by `lemma train` (its prepared `data/{train,valid,test}` and the resolved
`config.yaml`), so data, split and tokenization are identical by construction: this script reads Lemma's token
ids, it never tokenizes. It builds the preset of `model.arch` as Sources/LemmaModels/Classification does, layer
by layer and with the same parameter names (so Lemma's model.safetensors loads into it), and trains it the way
Lemma's Trainer does:

- AdamW (betas 0.9/0.999, eps 1e-8), weight decay on every parameter but biases and normalization weights
  (Hugging Face's Trainer rule, which Lemma follows: no "bias", "layernorm" or "rmsnorm" in the lower-cased
  name, no component "norm" or "…_norm"; `--decay-rule suffix` restores the rule Lemma used before
  2026-11-21, which decayed recurrent layers' bias_ih_l0/bias_hh_l0, for the results measured with it);
- linear schedule with warm-up, set before every step from the step number (step 0 has factor 0 when there is
  warm-up, like Hugging Face's schedule); gradients clipped to `train.max_grad_norm` (global L2 norm);
- batches of `train.batch_size`, padded to the batch's longest row (mlp: to `tokenizer.max_length`); a fresh
  shuffle each epoch (numpy, seeded; not Lemma's generator), rnn/gru/lstm/bilstm in length buckets
  (bounds 8, 16, 32, … below max_length, shuffled within buckets, then batch order shuffled), as Lemma;
- evaluation on the validation split after every epoch (and at the end when max_steps stops mid-epoch), a
  checkpoint (model + optimizer, written to a temporary file, fsynced, renamed) after every evaluation, at
  most `save_total_limit` kept besides the best, early stopping after `early_stopping_patience` evaluations
  without improvement of `metric_for_best_model`, and the best checkpoint restored before the test evaluation.

Timing: `training_seconds` is the wall time of all of the above (epochs, evaluations, checkpoints, the final
restore), the same span Lemma's summary.json `examples_per_second` covers; `examples_per_second` is training
examples over it. `steady_examples_per_second` counts only the intervals between two logging steps
(`train.logging_steps`) that hold no evaluation or checkpoint: training steps alone (batch assembly, forward,
backward, clipping, optimizer). compare.py computes the same figure for Lemma from its TensorBoard wall times.

Prints one JSON object. `--check-lemma-weights` instead loads RUN_DIR/model.safetensors into the PyTorch model
and prints its test metrics, which must equal Lemma's evaluation.json when the architectures are the same.
"""
import argparse
import json
import math
import os
import struct
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence


# ---------------------------------------------------------------------------------------------- run directory

def read_config(path):
    """The resolved config.yaml Lemma writes: two levels, `section:` then `  key: value`."""
    try:
        import yaml
        with open(path) as f:
            document = yaml.safe_load(f)
        flat = {}
        for section, body in document.items():
            if isinstance(body, dict):
                for key, value in body.items():
                    flat[f"{section}.{key}"] = value
            else:
                flat[section] = body
        return flat
    except ImportError:
        pass
    flat, section = {}, None
    for line in open(path):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, _, value = line.strip().partition(":")
        value = value.strip()
        if not line.startswith(" "):
            if value:
                flat[key] = parse_scalar(value)
            else:
                section = key
            continue
        flat[f"{section}.{key}"] = parse_scalar(value)
    return flat


def parse_scalar(text):
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


class Split:
    """A prepared TokenDataset directory: tokens.i32, offsets.i64 (count + 1), labels.i32, meta.json."""

    def __init__(self, directory):
        self.tokens = np.fromfile(os.path.join(directory, "tokens.i32"), dtype="<i4")
        self.offsets = np.fromfile(os.path.join(directory, "offsets.i64"), dtype="<i8")
        self.labels = np.fromfile(os.path.join(directory, "labels.i32"), dtype="<i4")
        with open(os.path.join(directory, "meta.json")) as f:
            self.meta = json.load(f)
        self.lengths = np.diff(self.offsets)
        assert len(self.labels) == len(self.lengths), directory

    def __len__(self):
        return len(self.labels)


def pad_id(run_dir):
    """The vocabulary's [PAD] id (Lemma's word tokenizer writes `<pad>` first)."""
    path = os.path.join(run_dir, "data", "vocab.txt")
    if os.path.exists(path):
        for index, line in enumerate(open(path, encoding="utf-8")):
            if line.split(" ")[0] in ("<pad>", "[PAD]"):
                return index
    return 0


class Collator:
    def __init__(self, pad, max_length, fixed):
        self.pad, self.max_length, self.fixed = pad, max_length, fixed

    def __call__(self, split, indices):
        lengths = np.minimum(split.lengths[indices], self.max_length)
        width = self.max_length if self.fixed else max(int(lengths.max()), 1)
        ids = np.full((len(indices), width), self.pad, dtype=np.int64)
        for row, (index, length) in enumerate(zip(indices, lengths)):
            start = split.offsets[index]
            ids[row, :length] = split.tokens[start:start + length]
        return (torch.from_numpy(ids), torch.from_numpy(lengths.astype(np.int64)),
                torch.from_numpy(split.labels[indices].astype(np.int64)))


def bucket_bounds(max_length):
    bounds, bound = [], 8
    while bound < max_length:
        bounds.append(bound)
        bound *= 2
    return bounds


def epoch_batches(split, batch_size, rng, bounds, max_length):
    """One epoch's batches of indices: shuffled, or (bounds given) shuffled within length buckets."""
    count = len(split)
    if bounds is None:
        order = rng.permutation(count)
        return [order[i:i + batch_size] for i in range(0, count, batch_size)]
    lengths = np.minimum(split.lengths, max_length)
    bucket_of = np.searchsorted(np.array(bounds), lengths, side="left")  # first bound >= length
    batches = []
    for bucket in range(len(bounds) + 1):
        members = np.nonzero(bucket_of == bucket)[0]
        members = members[rng.permutation(len(members))]
        batches += [members[i:i + batch_size] for i in range(0, len(members), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


# ---------------------------------------------------------------------------------------------- models

class MLPClassifier(nn.Module):
    """embeddings → dropout → flatten [B, L·E] → dense(relu) → dense(relu) → dropout → linear."""

    def __init__(self, vocab, dim, classes, fixed_length, hidden, embedding_dropout, dropout, pad):
        super().__init__()
        self.embeddings = nn.Embedding(vocab, dim, padding_idx=pad)
        self.embedding_dropout = nn.Dropout(embedding_dropout)
        self.dense1 = nn.Linear(fixed_length * dim, hidden)
        self.dense2 = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden, classes)
        self.fixed_length = fixed_length

    def forward(self, ids, lengths):
        assert ids.shape[1] == self.fixed_length
        x = self.embedding_dropout(self.embeddings(ids)).flatten(1)
        return self.classifier(self.dropout(F.relu(self.dense2(F.relu(self.dense1(x))))))


class CNNClassifier(nn.Module):
    """embeddings (padding zeroed) → Conv1d per width → ReLU → windows past each row's end masked → max over
    time → concat → dropout → linear."""

    def __init__(self, vocab, dim, classes, filters, widths, padding, dropout, pad):
        super().__init__()
        self.embeddings = nn.Embedding(vocab, dim, padding_idx=pad)
        self.convolutions = nn.ModuleList(nn.Conv1d(dim, filters, w, padding=padding) for w in widths)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(filters * len(widths), classes)
        self.padding = padding
        self.shortest_input = max(w - 2 * padding for w in widths)

    def forward(self, ids, lengths):
        rows, length = ids.shape
        vectors = self.embeddings(ids)
        positions = torch.arange(length)
        if bool((lengths < length).any()):
            vectors = vectors * (positions[None, :] < lengths[:, None]).unsqueeze(2).to(vectors.dtype)
        x = vectors.transpose(1, 2)
        if length < self.shortest_input:
            x = F.pad(x, (0, self.shortest_input - length))
        pooled = []
        for convolution in self.convolutions:
            activations = F.relu(convolution(x))  # [B, F, T']
            width, steps = convolution.kernel_size[0], activations.shape[2]
            windows = torch.clamp(lengths + 2 * self.padding - width + 1, min=1)
            past_end = torch.arange(steps)[None, :] >= windows[:, None]
            if bool(past_end.any()):
                activations = activations.masked_fill(past_end.unsqueeze(1), float("-inf"))
            pooled.append(activations.max(dim=2).values)
        features = pooled[0] if len(pooled) == 1 else torch.cat(pooled, dim=1)
        return self.classifier(self.dropout(features))


def reverse_within_length(x, lengths):
    """Each row's first `length` steps in reverse order, padding left where it is: [B, T, F]."""
    steps = torch.arange(x.shape[1])[None, :]
    mirrored = lengths[:, None] - 1 - steps
    index = torch.where(mirrored >= 0, mirrored, steps)
    return x.gather(1, index.unsqueeze(2).expand(-1, -1, x.shape[2]))


FUNCTIONS = {nn.LSTM: torch.lstm, nn.GRU: torch.gru}


def run_padded(layer, x, lengths):
    """A single-layer recurrent module over the padded batch, each row read only up to its length: the forward
    direction as is (its steps before `length` never see padding), the reverse direction over each row
    reversed within its length, its output reversed back. Returns (output [B, T, D·H], state at the last real
    token [B, D·H]); outputs past a row's end are garbage that no later layer reads."""
    if layer.mode == "RNN_TANH":
        function = torch.rnn_tanh
    elif layer.mode == "RNN_RELU":
        function = torch.rnn_relu
    else:
        function = FUNCTIONS[type(layer)]
    zeros = x.new_zeros(1, x.shape[0], layer.hidden_size)
    hx = (zeros, zeros) if isinstance(layer, nn.LSTM) else zeros
    last = (lengths - 1).view(-1, 1, 1).expand(-1, 1, layer.hidden_size)
    outputs, states = [], []
    for suffix in ([""] + (["_reverse"] if layer.bidirectional else [])):
        weights = [getattr(layer, f"{name}_l0{suffix}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        source = reverse_within_length(x, lengths) if suffix else x
        output = function(source, hx, weights, True, 1, 0.0, layer.training, False, True)[0]
        if suffix:
            states.append(output[:, 0])  # the reverse direction ends at step 0
            output = reverse_within_length(output, lengths)
        else:
            states.append(output.gather(1, last).squeeze(1))
        outputs.append(output)
    return torch.cat(outputs, 2) if len(outputs) > 1 else outputs[0], torch.cat(states, 1)


def last_real_state(layer, x, lengths, how):
    """The top layer's state at each row's last real token, [B, D·H] (forward after step length-1, reverse
    after step 0), padding never consumed: through pack_padded_sequence ("packed"), or ("gather", single-layer
    modules) by running over the padded batch as `run_padded` does, which gives the same numbers."""
    directions = 2 if layer.bidirectional else 1
    if how == "gather" and layer.num_layers == 1:
        return run_padded(layer, x, lengths)[1]
    packed = x if isinstance(x, PackedSequence) else pack_padded_sequence(x, lengths, batch_first=True,
                                                                            enforce_sorted=False)
    _, state = layer(packed)
    hidden = state[0] if isinstance(state, tuple) else state  # [layers·D, B, H], in the batch's order
    top = hidden[-directions:]
    return top.permute(1, 0, 2).reshape(hidden.shape[1], directions * layer.hidden_size)


class RNNClassifier(nn.Module):
    """embeddings → RNN/GRU/LSTM → top layer's state at the last real token → dropout → linear."""

    def __init__(self, vocab, dim, classes, cell, hidden, layers, bidirectional, dropout, pad, how):
        super().__init__()
        self.embeddings = nn.Embedding(vocab, dim, padding_idx=pad)
        kind = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell]
        self.rnn = kind(dim, hidden, num_layers=layers, batch_first=True, bidirectional=bidirectional,
                        dropout=dropout if layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear((2 if bidirectional else 1) * hidden, classes)
        self.how = how

    def forward(self, ids, lengths):
        features = last_real_state(self.rnn, self.embeddings(ids), lengths.clamp(min=1), self.how)
        return self.classifier(self.dropout(features))


class BiLSTMClassifier(nn.Module):
    """embeddings → dropout → [BiLSTM → dropout]… → LSTM at the last real token → dropout → linear; every
    layer reads each row only up to its length (packed, or padded with reversal within the length)."""

    def __init__(self, vocab, dim, classes, sizes, embedding_dropout, dropout, pad, how):
        super().__init__()
        self.embeddings = nn.Embedding(vocab, dim, padding_idx=pad)
        self.embedding_dropout = nn.Dropout(embedding_dropout)
        layers, width = [], dim
        for size in sizes[:-1]:
            layers.append(nn.LSTM(width, size, batch_first=True, bidirectional=True))
            width = 2 * size
        self.bilstms = nn.ModuleList(layers)
        self.lstm = nn.LSTM(width, sizes[-1], batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(sizes[-1], classes)
        self.how = how

    def forward(self, ids, lengths):
        x = self.embedding_dropout(self.embeddings(ids))
        lengths = lengths.clamp(min=1)
        if self.how == "gather":
            for layer in self.bilstms:
                x = self.dropout(run_padded(layer, x, lengths)[0])
            return self.classifier(self.dropout(run_padded(self.lstm, x, lengths)[1]))
        sequence = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        for layer in self.bilstms:
            output, _ = layer(sequence)
            sequence = output._replace(data=self.dropout(output.data))
        return self.classifier(self.dropout(last_real_state(self.lstm, sequence, None, "packed")))


class BertClassifier(nn.Module):
    """LemmaModels' BertClassifier: a Hugging Face BERT encoder (transformers' BertModel, its default attention
    implementation), pooled by the mean of the real tokens' states (or the pooler's tanh([CLS])) → dropout →
    linear; the head initialized as transformers initializes BertForSequenceClassification's."""

    def __init__(self, directory, classes, pooling):
        super().__init__()
        from transformers import BertModel
        self.bert = BertModel.from_pretrained(directory, add_pooling_layer=pooling == "pooler")
        config = self.bert.config
        self.pooling = pooling
        self.dropout = nn.Dropout(config.classifier_dropout if config.classifier_dropout is not None
                                  else config.hidden_dropout_prob)
        self.classifier = nn.Linear(config.hidden_size, classes)
        nn.init.normal_(self.classifier.weight, std=config.initializer_range)
        nn.init.zeros_(self.classifier.bias)

    def forward(self, ids, lengths):
        mask = (torch.arange(ids.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)).long()
        output = self.bert(input_ids=ids, attention_mask=mask)
        if self.pooling == "pooler":
            pooled = output.pooler_output
        else:
            weights = mask.unsqueeze(2).to(output.last_hidden_state.dtype)
            pooled = (output.last_hidden_state * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return self.classifier(self.dropout(pooled))


def build_model(c, vocab, classes, pad, how):
    """ClassifierFactory + ClassifierPreset + ClassifierSizes, as they read a resolved configuration."""
    arch = c.get("model.arch", "cnn")
    dim = int(c.get("model.embedding_dim", 64))
    dropout = float(c.get("model.dropout", 0.1))
    hidden = c.get("model.hidden_size")
    max_length = int(c.get("tokenizer.max_length", 128))
    if arch == "mlp":
        return MLPClassifier(vocab, dim, classes, max_length, int(hidden if hidden is not None else 480),
                             0.5, dropout, pad)
    if arch == "cnn":
        widths = [int(c.get("model.filter_size", 3))]
        if c.get("model.filter_sizes"):
            widths = [int(w) for w in str(c["model.filter_sizes"]).split(",") if w.strip()]
        return CNNClassifier(vocab, dim, classes, int(c.get("model.num_filters", 10)), widths, 1, dropout, pad)
    if arch in ("rnn", "gru", "lstm"):
        return RNNClassifier(vocab, dim, classes, arch, int(hidden if hidden is not None else 96),
                             int(c.get("model.num_layers", 1)), bool(c.get("model.bidirectional", False)),
                             dropout, pad, how)
    if arch == "bilstm":
        sizes = [128, 64, 64] if hidden is None else [int(hidden), int(hidden) // 2, int(hidden) // 2]
        return BiLSTMClassifier(vocab, dim, classes, sizes, 0.2, dropout, pad, how)
    if arch == "transformer":
        return BertClassifier(c["model.pretrained_model"], classes, c.get("model.pooling", "mean"))
    raise SystemExit(f"model.arch {arch}: not a classifier preset")


# ---------------------------------------------------------------------------------------------- metrics

def evaluate(model, split, collator, batch_size):
    """Accuracy, macro and weighted F1 (scikit-learn's, zero where undefined) and mean loss, dataset order."""
    was_training = model.training
    model.eval()
    classes = len(split.meta["labels"])
    confusion = np.zeros((classes, classes), dtype=np.int64)
    loss_sum = 0.0
    with torch.no_grad():
        for start in range(0, len(split), batch_size):
            indices = np.arange(start, min(start + batch_size, len(split)))
            ids, lengths, labels = collator(split, indices)
            logits = model(ids, lengths)
            loss_sum += float(F.cross_entropy(logits, labels)) * len(indices)
            np.add.at(confusion, (labels.numpy(), logits.argmax(1).numpy()), 1)
    model.train(was_training)
    tp = np.diag(confusion).astype(float)
    predicted, support = confusion.sum(0), confusion.sum(1)
    precision = np.divide(tp, predicted, out=np.zeros(classes), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros(classes), where=support > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(classes),
                   where=(precision + recall) > 0)
    total = confusion.sum()
    return {"accuracy": float(tp.sum() / total), "macro_f1": float(f1.mean()),
            "weighted_f1": float((f1 * support).sum() / total), "loss": loss_sum / total}


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        body = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", (name, entry["dtype"])
        start, end = entry["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(body[start:end], dtype="<f4").reshape(entry["shape"]).copy())
    return tensors


# ---------------------------------------------------------------------------------------------- training

def steady_throughput(logs, events, batch_size_of_step):
    """Examples per second over logging intervals (a, b] that hold no evaluation or checkpoint (an evaluation
    after step e falls in the interval a <= e < b)."""
    examples, seconds = 0, 0.0
    for (a, ta), (b, tb) in zip(logs, logs[1:]):
        if any(a <= e < b for e in events):
            continue
        examples += sum(batch_size_of_step(s) for s in range(a + 1, b + 1))
        seconds += tb - ta
    return examples / seconds if seconds > 0 else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir")
    parser.add_argument("--epochs", type=float, help="override train.epochs")
    parser.add_argument("--max-steps", type=int, help="override train.max_steps")
    parser.add_argument("--seed", type=int, help="override train.seed (init, dropout, shuffling)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rnn-input", choices=["packed", "gather"], default="packed",
                        help="recurrent layers: pack_padded_sequence, or run over the padded batch (reverse "
                             "directions on rows reversed within their length) and gather the last real step")
    parser.add_argument("--foreach", action="store_true", help="AdamW(foreach=True)")
    parser.add_argument("--fused", action="store_true", help="AdamW(fused=True) (torch >= 2.4 on CPU)")
    parser.add_argument("--decay-rule", choices=["huggingface", "suffix"], default="huggingface",
                        help="which parameters skip weight decay (see above)")
    parser.add_argument("--no-checkpoints", action="store_true", help="keep the best weights in memory instead")
    parser.add_argument("--check-lemma-weights", action="store_true")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    c = read_config(os.path.join(args.run_dir, "config.yaml"))
    data = os.path.join(args.run_dir, "data")
    train = Split(os.path.join(data, "train"))
    valid = Split(os.path.join(data, "valid")) if os.path.exists(os.path.join(data, "valid")) else None
    test = Split(os.path.join(data, "test")) if os.path.exists(os.path.join(data, "test")) else None
    classes, vocab, pad = len(train.meta["labels"]), int(train.meta["vocabularySize"]), pad_id(args.run_dir)
    arch = c.get("model.arch", "cnn")
    max_length = int(c.get("tokenizer.max_length", 128))
    collator = Collator(pad, max_length, fixed=arch == "mlp")
    batch_size = int(c.get("train.batch_size", 32))
    eval_batch_size = int(c.get("train.eval_batch_size") or batch_size)
    seed = args.seed if args.seed is not None else int(c.get("train.seed", 42))
    torch.manual_seed(seed)
    model = build_model(c, vocab, classes, pad, args.rnn_input)
    parameters = sum(p.numel() for p in model.parameters())

    if args.check_lemma_weights:
        missing, unexpected = model.load_state_dict(read_safetensors(os.path.join(args.run_dir, "model.safetensors")),
                                                    strict=False)
        buffers = {name for name, _ in model.named_buffers()}
        if unexpected or set(missing) - buffers:
            raise SystemExit(f"model.safetensors does not fit: missing {missing}, unexpected {unexpected}")
        split = test or valid
        print(json.dumps({"arch": arch, "parameters": parameters, **evaluate(model, split, collator, eval_batch_size)}))
        return

    if c.get("train.optimizer", "adamw") != "adamw" or c.get("train.lr_scheduler", "linear") != "linear":
        raise SystemExit("only train.optimizer adamw with lr_scheduler linear is mirrored")
    if c.get("train.class_weights", "none") != "none" or int(c.get("train.gradient_accumulation_steps", 1)) != 1:
        raise SystemExit("class weights and gradient accumulation are not mirrored")
    lr, decay = float(c.get("train.learning_rate", 1e-3)), float(c.get("train.weight_decay", 0))
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    def exempt(name):
        if args.decay_rule == "suffix":
            return name.endswith("bias") or "layernorm" in name.lower() or "norm." in name
        lowered = name.lower()
        return ("bias" in lowered or "layernorm" in lowered or "rmsnorm" in lowered
                or any(part == "norm" or part.endswith("_norm") for part in lowered.split(".")))
    if decay > 0 and any(exempt(n) for n, _ in named):
        groups = [{"params": [p for n, p in named if not exempt(n)], "weight_decay": decay},
                  {"params": [p for n, p in named if exempt(n)], "weight_decay": 0.0}]
    else:
        groups = [{"params": [p for _, p in named], "weight_decay": decay}]
    extra = {"foreach": True} if args.foreach else {"fused": True} if args.fused else {}
    optimizer = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8, **extra)
    params = [p for _, p in named]

    steps_per_epoch = math.ceil(len(train) / batch_size)
    max_steps = args.max_steps if args.max_steps is not None else c.get("train.max_steps")
    epochs = args.epochs if args.epochs is not None else float(c.get("train.epochs", 3))
    total_steps = int(max_steps) if max_steps else max(1, math.ceil(epochs * steps_per_epoch))
    warmup = int(c.get("train.warmup_steps", 0))

    def factor(step):
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    metric = str(c.get("train.metric_for_best_model", "eval_loss"))
    metric = metric[5:] if metric.startswith("eval_") else metric
    greater = c.get("train.greater_is_better")
    greater = ("loss" not in metric) if greater is None else bool(greater)
    patience = c.get("train.early_stopping_patience")
    threshold = float(c.get("train.early_stopping_threshold", 0) or 0)
    max_norm = float(c.get("train.max_grad_norm", 1.0))
    logging_steps = int(c.get("train.logging_steps", 50))
    keep = int(c.get("train.save_total_limit", 2))
    load_best = bool(c.get("train.load_best_model_at_end", True))
    recurrent = arch in ("rnn", "gru", "lstm", "bilstm")
    bounds = bucket_bounds(max_length) if recurrent else None
    rng = np.random.RandomState(seed)
    checkpoint_dir = None if args.no_checkpoints else tempfile.mkdtemp(prefix="torch-ckpt-")
    saved, in_memory = [], {}

    def save(step):
        if checkpoint_dir is None:
            in_memory[step] = {k: v.clone() for k, v in model.state_dict().items()}
            return
        path = os.path.join(checkpoint_dir, f"checkpoint-{step}.pt")
        staging = path + ".staging"
        with open(staging, "wb") as f:
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(staging, path)
        saved.append(step)
        for old in [s for s in saved[:-keep] if s != best_step]:
            os.remove(os.path.join(checkpoint_dir, f"checkpoint-{old}.pt"))
            saved.remove(old)

    step, epoch, examples, best, best_step, stale = 0, 0, 0, None, None, 0
    logs, events, batch_sizes, stop_reason, last_eval = [], [], {}, "completed", None
    model.train()
    start = time.perf_counter()

    def run_evaluation():
        nonlocal best, best_step, stale, last_eval
        value = evaluate(model, valid, collator, eval_batch_size)[metric]
        last_eval = step
        gain = None if best is None else (value - best if greater else best - value)
        improved = gain is None or gain > 0
        stale = 0 if gain is None or gain > threshold else stale + 1
        if improved:
            best, best_step = value, step
        save(step)
        events.append(step)

    done = False
    while not done and step < total_steps:
        batches = epoch_batches(train, batch_size, rng, bounds, max_length)
        for position, indices in enumerate(batches):
            for group in optimizer.param_groups:
                group["lr"] = lr * factor(step)
            ids, lengths, labels = collator(train, indices)
            loss = F.cross_entropy(model(ids, lengths), labels)
            value = loss.item()
            if not math.isfinite(value):
                raise SystemExit(f"loss {value} at step {step + 1}")
            loss.backward()
            if max_norm > 0:
                torch.nn.utils.clip_grad_norm_(params, max_norm)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            examples += len(indices)
            batch_sizes[step] = len(indices)
            if step % logging_steps == 0 or step == total_steps:
                logs.append((step, time.perf_counter()))
            epoch_finished = position == len(batches) - 1
            if epoch_finished:
                epoch += 1
                if valid is not None:
                    run_evaluation()
            if patience is not None and stale >= patience:
                stop_reason, done = "early_stopping", True
                break
            if step >= total_steps:
                done = True
                break
    if stop_reason == "completed" and valid is not None and last_eval != step:
        run_evaluation()
    if load_best and best_step is not None:
        if checkpoint_dir is None:
            model.load_state_dict(in_memory[best_step])
        else:
            model.load_state_dict(torch.load(os.path.join(checkpoint_dir, f"checkpoint-{best_step}.pt"))["model"])
    seconds = time.perf_counter() - start
    if checkpoint_dir is not None:
        for name in os.listdir(checkpoint_dir):
            os.remove(os.path.join(checkpoint_dir, name))
        os.rmdir(checkpoint_dir)

    result = evaluate(model, test or valid, collator, eval_batch_size)
    print(json.dumps({
        "framework": f"torch {torch.__version__}", "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "arch": arch, "parameters": parameters, "rnn_input": args.rnn_input if recurrent else None,
        "foreach": args.foreach, "fused": args.fused, "seed": seed, "batch_size": batch_size, "max_length": max_length,
        "split": "test" if test else "validation",
        "accuracy": result["accuracy"], "macro_f1": result["macro_f1"], "weighted_f1": result["weighted_f1"],
        "loss": result["loss"], "steps": step, "epochs": round(step / steps_per_epoch, 4),
        "stop_reason": stop_reason, "best_step": best_step, "best_metric": best,
        "training_seconds": seconds, "examples_per_second": examples / seconds,
        "steady_examples_per_second": steady_throughput(logs, events, lambda s: batch_sizes[s]),
    }))


if __name__ == "__main__":
    main()
