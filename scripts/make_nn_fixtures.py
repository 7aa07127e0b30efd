#!/usr/bin/env python3
"""PyTorch reference fixtures for Lemma's layers (Tests/LemmaNNTests/Fixtures/layers.safetensors).

    /usr/bin/python3 scripts/make_nn_fixtures.py Tests/LemmaNNTests/Fixtures

Each case builds a torch module with a fixed seed and stores, under `<case>.`:
  param.<key>       the module's state_dict (Lemma loads it by the same keys)
  x, lengths, h0/c0 inputs (lengths as I64)
  y, h_n, c_n       outputs (padded steps of packed sequences are zero)
  gy, gh, gc        upstream gradients; the loss is sum(y*gy) + sum(h_n*gh) + sum(c_n*gc)
  grad.x, grad.h0, grad.c0, grad.param.<key>
Computed in float64, stored as float32.
"""
import os
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import write_safetensors  # noqa: E402

torch.set_default_dtype(torch.float64)
fixtures = {}


def store(case, name, tensor):
    fixtures[f"{case}.{name}"] = tensor.detach().float() if tensor.is_floating_point() else tensor.detach().to(torch.int64)


def layer_case(case, module, x, extra_outputs=None):
    """A single-input, single-output layer."""
    for k, v in module.state_dict().items():
        store(case, f"param.{k}", v)
    x = x.clone().requires_grad_(x.is_floating_point())
    y = module(x)
    gy = torch.rand(y.shape) * 2 - 1
    (y * gy).sum().backward()
    store(case, "x", x)
    store(case, "y", y)
    store(case, "gy", gy)
    if x.is_floating_point():
        store(case, "grad.x", x.grad)
    for k, p in module.named_parameters():
        if p.grad is not None:
            store(case, f"grad.param.{k}", p.grad)


def recurrent_case(case, module, batch, steps, lengths=None, initial=False):
    for k, v in module.state_dict().items():
        store(case, f"param.{k}", v)
    directions = 2 if module.bidirectional else 1
    shape = (batch, steps, module.input_size) if module.batch_first else (steps, batch, module.input_size)
    x = (torch.rand(shape) * 2 - 1).requires_grad_(True)
    is_lstm = isinstance(module, torch.nn.LSTM)
    state = None
    if initial:
        h0 = (torch.rand(module.num_layers * directions, batch, module.hidden_size) - 0.5).requires_grad_(True)
        c0 = (torch.rand(module.num_layers * directions, batch, module.hidden_size) - 0.5).requires_grad_(True)
        state = (h0, c0) if is_lstm else h0
    if lengths is not None:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=module.batch_first, enforce_sorted=False)
        out, final = module(packed, state)
        y, _ = pad_packed_sequence(out, batch_first=module.batch_first, total_length=steps)
        store(case, "lengths", torch.tensor(lengths))
    else:
        y, final = module(x, state)
    h_n, c_n = final if is_lstm else (final, None)
    gy, gh = torch.rand(y.shape) * 2 - 1, torch.rand(h_n.shape) * 2 - 1
    loss = (y * gy).sum() + (h_n * gh).sum()
    if is_lstm:
        gc = torch.rand(c_n.shape) * 2 - 1
        loss = loss + (c_n * gc).sum()
        store(case, "c_n", c_n)
        store(case, "gc", gc)
    loss.backward()
    for name, t in [("x", x), ("y", y), ("h_n", h_n), ("gy", gy), ("gh", gh), ("grad.x", x.grad)]:
        store(case, name, t)
    if initial:
        store(case, "h0", h0)
        store(case, "grad.h0", h0.grad)
        if is_lstm:
            store(case, "c0", c0)
            store(case, "grad.c0", c0.grad)
    for k, p in module.named_parameters():
        store(case, f"grad.param.{k}", p.grad)


torch.manual_seed(0)
layer_case("linear", torch.nn.Linear(5, 3), torch.rand(2, 4, 5) * 2 - 1)
layer_case("linear_nobias", torch.nn.Linear(5, 3, bias=False), torch.rand(4, 5) * 2 - 1)
layer_case("layer_norm", torch.nn.LayerNorm(6), torch.rand(3, 4, 6) * 4 - 2)
layer_case("layer_norm_2d", torch.nn.LayerNorm([3, 4], eps=1e-3), torch.rand(2, 3, 4) * 4 - 2)
layer_case("conv1d", torch.nn.Conv1d(4, 6, 3, stride=2, padding=1), torch.rand(2, 4, 9) * 2 - 1)
layer_case("conv2d", torch.nn.Conv2d(3, 5, (3, 2), padding=(1, 0), dilation=(2, 1)), torch.rand(2, 3, 7, 6) * 2 - 1)
layer_case("text_cnn", torch.nn.Sequential(torch.nn.Conv1d(4, 6, 3), torch.nn.ReLU(), torch.nn.AdaptiveMaxPool1d(1),
                                           torch.nn.Flatten(), torch.nn.Linear(6, 2)), torch.rand(3, 4, 10) * 2 - 1)
embedding = torch.nn.Embedding(7, 4, padding_idx=0)
layer_case("embedding", embedding, torch.tensor([[0, 3, 3, 6], [2, 0, 1, 5]]))

for name, cls in [("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU), ("rnn", torch.nn.RNN)]:
    torch.manual_seed(1)
    recurrent_case(f"{name}_basic", cls(4, 5), batch=3, steps=6)
    torch.manual_seed(2)
    recurrent_case(f"{name}_stack_bi", cls(4, 5, num_layers=2, bidirectional=True, batch_first=True),
                   batch=3, steps=6, initial=True)
    torch.manual_seed(3)
    recurrent_case(f"{name}_lengths", cls(3, 4, num_layers=2, bidirectional=True, batch_first=True),
                   batch=4, steps=5, lengths=[5, 2, 4, 1], initial=True)
torch.manual_seed(4)
recurrent_case("rnn_relu", torch.nn.RNN(3, 4, nonlinearity="relu"), batch=2, steps=4)
torch.manual_seed(5)
recurrent_case("lstm_nobias", torch.nn.LSTM(3, 4, bias=False), batch=2, steps=4)

# Attention
def attention_case(case, module, inputs, call, outputs):
    """A module with several inputs (`inputs` holds the float ones that get gradients)."""
    for k, v in module.state_dict().items():
        store(case, f"param.{k}", v)
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    results = call(module, **leaves)
    loss = 0
    for name, y in zip(outputs, results):
        gy = torch.rand(y.shape) * 2 - 1
        store(case, name, y)
        store(case, f"g{name}", gy)
        loss = loss + (y * gy).sum()
    loss.backward()
    for k, v in leaves.items():
        store(case, k, v)
        store(case, f"grad.{k}", v.grad)
    for k, p in module.named_parameters():
        store(case, f"grad.param.{k}", p.grad)


torch.manual_seed(6)
mha = torch.nn.MultiheadAttention(8, 2, batch_first=True)
torch.nn.init.uniform_(mha.in_proj_bias, -0.5, 0.5)
padding = torch.tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]], dtype=torch.bool)
store("mha_self", "key_padding", padding.double())
attention_case("mha_self", mha, {"x": torch.rand(2, 5, 8) * 2 - 1},
               lambda m, x: m(x, x, x, key_padding_mask=padding, average_attn_weights=True), ["y", "w"])
causal = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)
torch.manual_seed(7)
mha = torch.nn.MultiheadAttention(8, 4, batch_first=True)
attention_case("mha_cross_causal", mha, {"q": torch.rand(2, 4, 8) * 2 - 1, "kv": torch.rand(2, 4, 8) * 2 - 1},
               lambda m, q, kv: m(q, kv, kv * 0.5, attn_mask=causal), ["y", "w"])
for name, norm_first in [("block_post_ln", False), ("block_pre_ln", True)]:
    torch.manual_seed(8)
    block = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation="gelu",
                                             batch_first=True, norm_first=norm_first)
    pad = torch.tensor([[0, 0, 0, 0, 1], [0, 0, 0, 0, 0]], dtype=torch.bool)
    store(name, "key_padding", pad.double())
    attention_case(name, block, {"x": torch.rand(2, 5, 8) * 2 - 1},
                   lambda m, x: (m(x, src_key_padding_mask=pad),), ["y"])


class Additive(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.query_proj = torch.nn.Linear(6, 5, bias=False)
        self.key_proj = torch.nn.Linear(4, 5, bias=False)
        self.v = torch.nn.Linear(5, 1, bias=False)

    def forward(self, q, k, vals):
        scores = self.v(torch.tanh(self.key_proj(k) + self.query_proj(q).unsqueeze(1))).squeeze(2)
        scores = scores.masked_fill(torch.tensor([[0, 0, 1], [0, 0, 0]], dtype=torch.bool), float("-inf"))
        w = torch.softmax(scores, dim=-1)
        return torch.bmm(w.unsqueeze(1), vals).squeeze(1), w


class General(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(4, 6, bias=False)

    def forward(self, q, k, vals):
        scores = torch.bmm(self.proj(k), q.unsqueeze(2)).squeeze(2)
        w = torch.softmax(scores, dim=-1)
        return torch.bmm(w.unsqueeze(1), vals).squeeze(1), w


torch.manual_seed(9)
attn_inputs = {"q": torch.rand(2, 6) * 2 - 1, "k": torch.rand(2, 3, 4) * 2 - 1, "vals": torch.rand(2, 3, 7) * 2 - 1}
attention_case("additive", Additive(), attn_inputs, lambda m, q, k, vals: m(q, k, vals), ["y", "w"])
attention_case("general", General(), attn_inputs, lambda m, q, k, vals: m(q, k, vals), ["y", "w"])

# Losses: logits [6, 4], with an ignored target
torch.manual_seed(10)
logits = torch.rand(6, 4) * 4 - 2
targets = torch.tensor([0, 3, -100, 1, 2, 3])
class_weights = torch.tensor([1.0, 2.0, 0.5, 1.5])
store("loss", "logits", logits)
store("loss", "targets", targets)
store("loss", "class_weights", class_weights)
for name, kwargs in [("ce", {}), ("ce_weighted", {"weight": class_weights}),
                     ("ce_smooth", {"label_smoothing": 0.1}),
                     ("ce_weighted_smooth", {"weight": class_weights, "label_smoothing": 0.2}),
                     ("ce_sum", {"reduction": "sum"})]:
    x = logits.clone().requires_grad_(True)
    loss = torch.nn.functional.cross_entropy(x, targets, ignore_index=-100, **kwargs)
    loss.backward()
    store("loss", f"{name}.value", loss)
    store("loss", f"{name}.grad", x.grad)
x = logits.clone().requires_grad_(True)
binary_targets = (torch.rand(6, 4) > 0.5).double()
pos_weight = torch.tensor([1.0, 3.0, 0.5, 2.0])
loss = torch.nn.functional.binary_cross_entropy_with_logits(x, binary_targets, pos_weight=pos_weight)
loss.backward()
store("loss", "binary_targets", binary_targets)
store("loss", "pos_weight", pos_weight)
store("loss", "bce.value", loss)
store("loss", "bce.grad", x.grad)
x = logits.clone().requires_grad_(True)
loss = torch.nn.functional.mse_loss(x, binary_targets)
loss.backward()
store("loss", "mse.value", loss)
store("loss", "mse.grad", x.grad)

# BatchNorm2d: a training step (batch statistics, running statistics moved by momentum) from random running
# statistics and affine parameters, then evaluation with the moved statistics. Buffers stored as float.
torch.manual_seed(11)
bn = torch.nn.BatchNorm2d(4, momentum=0.2, eps=1e-4)
with torch.no_grad():
    bn.weight.uniform_(0.5, 1.5)
    bn.bias.uniform_(-0.5, 0.5)
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2)
for k, v in bn.state_dict().items():
    fixtures[f"batch_norm.param.{k}"] = v.detach().float()
x = (torch.rand(3, 4, 5, 6) * 4 - 1).requires_grad_(True)
y = bn(x)
gy = torch.rand(y.shape) * 2 - 1
(y * gy).sum().backward()
store("batch_norm", "x", x)
store("batch_norm", "y", y)
store("batch_norm", "gy", gy)
store("batch_norm", "grad.x", x.grad)
for k, p in bn.named_parameters():
    store("batch_norm", f"grad.param.{k}", p.grad)
store("batch_norm", "after.running_mean", bn.running_mean)
store("batch_norm", "after.running_var", bn.running_var)
bn.eval()
x_eval = torch.rand(2, 4, 3, 3) * 4 - 1
store("batch_norm", "eval.x", x_eval)
store("batch_norm", "eval.y", bn(x_eval))

out_dir = sys.argv[1] if len(sys.argv) > 1 else "Tests/LemmaNNTests/Fixtures"
os.makedirs(out_dir, exist_ok=True)
write_safetensors(os.path.join(out_dir, "layers.safetensors"), fixtures, {"torch": torch.__version__})
print(f"wrote {len(fixtures)} tensors")
