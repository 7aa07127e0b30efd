#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures that Lemma's tests compare against.

Run with Debian's python3-torch (or any torch >= 1.13):
    /usr/bin/python3 scripts/make_fixtures.py Tests/LemmaTensorTests/Fixtures

Each case stores its inputs, the upstream gradient `gy`, the output `y` and the input gradients `g_<name>`
as `<case>.<tensor>` in ops.safetensors. dtypes.safetensors holds small tensors of every dtype the reader
accepts, and random.json the first outputs of xoshiro256** for a seed, from an independent implementation.
The safetensors files are written here by hand (the format is tiny), which also checks Lemma's reader
against a second writer.
"""
import json
import os
import sys

import torch

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)  # references in float64, stored as float32

from safetensors_io import rand, record_case, write_safetensors

fixtures = {}


def away_from_zero(*shape):
    """Values in ±[0.2, 1]: kinks (relu, abs) and ties stay away from finite-difference steps."""
    magnitude = torch.rand(*shape) * 0.8 + 0.2
    sign = torch.where(torch.rand(*shape) < 0.5, -1.0, 1.0)
    return magnitude * sign


def case(name, fn, inputs, indices=None):
    record_case(fixtures, name, fn, inputs, indices)


# Broadcasting arithmetic
case("add", lambda a, b: a + b, {"a": rand(4, 1, 3), "b": rand(5, 1)})
case("sub", lambda a, b: a - b, {"a": rand(2, 3), "b": rand(3)})
case("mul", lambda a, b: a * b, {"a": rand(4, 1, 3), "b": rand(1, 5, 3)})
case("div", lambda a, b: a / b, {"a": rand(3, 4), "b": away_from_zero(3, 1)})
case("maximum", lambda a, b: torch.maximum(a, b), {"a": torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]]),
                                                   "b": torch.tensor([2.0, 2.0, -1.0])})
case("pow_tensor", lambda a, b: a.pow(b), {"a": rand(3, 4, low=0.5, high=2.0), "b": rand(4)})
case("affine", lambda x: 3.0 * x - 1.5, {"x": rand(7)})

# Unary
for op, fn in [("exp", torch.exp), ("tanh", torch.tanh), ("sigmoid", torch.sigmoid), ("relu", torch.relu),
               ("gelu", torch.nn.functional.gelu), ("abs", torch.abs), ("neg", torch.neg),
               ("square", torch.square)]:
    case(op, fn, {"x": away_from_zero(5, 6) * 3})
case("gelu_tanh", lambda x: torch.nn.functional.gelu(x, approximate="tanh"), {"x": away_from_zero(5, 6) * 3})
case("log", torch.log, {"x": rand(5, 6, low=0.01, high=10.0)})
case("sqrt", torch.sqrt, {"x": rand(5, 6, low=0.01, high=10.0)})
case("reciprocal", torch.reciprocal, {"x": away_from_zero(5, 6)})
case("pow_scalar", lambda x: x.pow(2.5), {"x": rand(5, 6, low=0.1, high=3.0)})
case("exp_wide", torch.exp, {"x": rand(1000, low=-80.0, high=80.0)})
case("log_wide", torch.log, {"x": torch.exp(rand(1000, low=-80.0, high=80.0))})
case("tanh_wide", torch.tanh, {"x": rand(1000, low=-12.0, high=12.0)})

# Reductions
case("sum_axis1", lambda x: x.sum(dim=1), {"x": rand(3, 4, 5)})
case("sum_axes02_keep", lambda x: x.sum(dim=(0, 2), keepdim=True), {"x": rand(3, 4, 5)})
case("sum_all", lambda x: x.sum(), {"x": rand(3, 4, 5)})
case("mean_last", lambda x: x.mean(dim=-1), {"x": rand(3, 4, 5)})
x = rand(3, 4, 5)
values, argmax = x.max(dim=1)
case("max_axis1", lambda x: x.max(dim=1).values, {"x": x}, {"indices": argmax})
case("logsumexp", lambda x: torch.logsumexp(x, dim=-1), {"x": rand(4, 7) * 10})

# Softmax
case("softmax_last", lambda x: torch.softmax(x, dim=-1), {"x": rand(4, 7) * 5})
case("softmax_mid", lambda x: torch.softmax(x, dim=1), {"x": rand(2, 5, 3) * 5})
case("log_softmax_last", lambda x: torch.log_softmax(x, dim=-1), {"x": rand(4, 7) * 5})
case("log_softmax_mid", lambda x: torch.log_softmax(x, dim=1), {"x": rand(2, 5, 3) * 5})

# Matrix products
case("matmul_2d", lambda a, b: a @ b, {"a": rand(5, 7), "b": rand(7, 3)})
case("matmul_fold", lambda a, b: a @ b, {"a": rand(2, 5, 7), "b": rand(7, 3)})
case("matmul_batched", lambda a, b: a @ b, {"a": rand(2, 1, 5, 7), "b": rand(3, 7, 4)})
case("matmul_vec", lambda a, b: a @ b, {"a": rand(7), "b": rand(7, 3)})
case("linear", lambda x, w, b: torch.nn.functional.linear(x, w, b), {"x": rand(2, 3, 6), "w": rand(4, 6), "b": rand(4)})

# Views and copies
case("permute", lambda x: x.permute(2, 0, 1), {"x": rand(3, 4, 5)})
case("transpose", lambda x: x.transpose(-2, -1), {"x": rand(2, 3, 4)})
case("slice", lambda x: x[:, 1:4], {"x": rand(3, 6, 2)})
case("concat", lambda a, b: torch.cat([a, b], dim=1), {"a": rand(2, 3, 4), "b": rand(2, 1, 4)})
case("stack", lambda a, b: torch.stack([a, b], dim=1), {"a": rand(2, 3), "b": rand(2, 3)})
case("expand", lambda x: x.expand(4, 3, 5), {"x": rand(3, 1)})

# Indexing
ids = torch.tensor([[3, 0, 3], [9, 1, 2]])
case("index_select", lambda w: w[ids], {"w": rand(10, 4)}, {"indices": ids})
gather_index = torch.tensor([[0, 2], [1, 1], [3, 0]])
case("gather", lambda x: torch.gather(x, 1, gather_index), {"x": rand(3, 4)}, {"indices": gather_index})
scatter_index = torch.tensor([[0, 1, 0], [2, 2, 1]])
case("scatter_add", lambda x, src: x.scatter_add(1, scatter_index, src), {"x": rand(2, 4), "src": rand(2, 3)},
     {"indices": scatter_index})

# Selection
cond = (torch.rand(3, 4) < 0.5).double()
case("where", lambda a, b: torch.where(cond.bool(), a, b), {"a": rand(3, 4), "b": rand(4)})
fixtures["where.cond"] = cond.float()
mask = (torch.rand(2, 5) < 0.4).double()
case("masked_fill", lambda x: x.masked_fill(mask.bool(), -1e4), {"x": rand(2, 5)})
fixtures["masked_fill.mask"] = mask.float()

# Top-k (appended last so the cases above draw the same random numbers as before): the middle axis of a 3-D
# tensor (strided rows), and a wide row with k above the kernel's small-k limit (its sorting path).
x = rand(3, 9, 4)
_, topk_middle = torch.topk(x, 3, dim=1)
case("topk_mid", lambda x: torch.topk(x, 3, dim=1).values, {"x": x}, {"indices": topk_middle})
x = rand(2, 300)
_, topk_wide = torch.topk(x, 70, dim=1)
case("topk_wide", lambda x: torch.topk(x, 70, dim=1).values, {"x": x}, {"indices": topk_wide})

out_dir = sys.argv[1] if len(sys.argv) > 1 else "Tests/LemmaTensorTests/Fixtures"
os.makedirs(out_dir, exist_ok=True)
write_safetensors(os.path.join(out_dir, "ops.safetensors"), fixtures, {"torch": torch.__version__})

# Every dtype the reader accepts, with values that exercise each conversion.
values = torch.tensor([0.0, 1.0, -2.5, 65504.0, 6.1035e-05, 5.96e-08, -0.0, 3.140625])
write_safetensors(os.path.join(out_dir, "dtypes.safetensors"), {
    "f32": values.float(), "f64": values.double(), "f16": values.half(), "bf16": values.bfloat16(),
    "i64": torch.tensor([[0, -1], [2147483647, -2147483648]], dtype=torch.int64),
    "i32": torch.tensor([5, -7, 9], dtype=torch.int32), "u8": torch.tensor([0, 255, 7], dtype=torch.uint8),
}, {"format": "pt"})
# The exact floats each dtype should decode to, computed by torch.
write_safetensors(os.path.join(out_dir, "dtypes_expected.safetensors"), {
    "f16": values.half().float(), "bf16": values.bfloat16().float(), "f64": values.double().float(),
})

# xoshiro256** seeded by SplitMix64: an independent implementation of what RandomGenerator must produce.
MASK = (1 << 64) - 1


def splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


def xoshiro(seed, n):
    s, words = seed, []
    for _ in range(4):
        s, w = splitmix(s)
        words.append(w)
    out = []
    for _ in range(n):
        out.append(rotl(words[1] * 5 & MASK, 7) * 9 & MASK)
        t = (words[1] << 17) & MASK
        words[2] ^= words[0]
        words[3] ^= words[1]
        words[1] ^= words[2]
        words[0] ^= words[3]
        words[2] ^= t
        words[3] = rotl(words[3], 45)
    return out


with open(os.path.join(out_dir, "random.json"), "w") as f:
    json.dump({"seed": 42, "outputs": [str(v) for v in xoshiro(42, 6)]}, f)
print(f"wrote {len(fixtures)} tensors to {out_dir}")
