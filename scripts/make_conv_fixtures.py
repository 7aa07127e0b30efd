#!/usr/bin/env python3
"""Writes the PyTorch references for Lemma's convolution and pooling ops (Tests/.../ConvolutionTests.swift).

Run with Debian's python3-torch (or any torch >= 1.13):
    /usr/bin/python3 scripts/make_conv_fixtures.py Tests/LemmaTensorTests/Fixtures

Same pattern as make_fixtures.py: each case stores its inputs, the upstream gradient `gy`, the output `y` and
the input gradients `g_<name>` as `<case>.<tensor>` in conv.safetensors, computed in float64 and stored as
float32. The Swift test repeats each case's arguments (stride, padding, ...) next to its name.
"""
import os
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(4321)
torch.set_default_dtype(torch.float64)  # references in float64, stored as float32

from safetensors_io import rand, record_case, write_safetensors

fixtures = {}


def case(name, fn, inputs, indices=None):
    record_case(fixtures, name, fn, inputs, indices)


# Conv1d: [N, C, L] with weight [O, C / groups, K]
case("conv1d", lambda x, w, b: F.conv1d(x, w, b), {"x": rand(2, 4, 9), "w": rand(5, 4, 3), "b": rand(5)})
case("conv1d_stride2_pad1", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1),
     {"x": rand(3, 3, 10), "w": rand(4, 3, 3), "b": rand(4)})
case("conv1d_dilation2_pad2_nobias", lambda x, w: F.conv1d(x, w, padding=2, dilation=2),
     {"x": rand(2, 3, 11), "w": rand(2, 3, 3)})
case("conv1d_stride3_k4", lambda x, w, b: F.conv1d(x, w, b, stride=3), {"x": rand(1, 2, 13), "w": rand(3, 2, 4), "b": rand(3)})
case("conv1d_groups2", lambda x, w, b: F.conv1d(x, w, b, groups=2, padding=1),
     {"x": rand(2, 4, 8), "w": rand(6, 2, 3), "b": rand(6)})
case("conv1d_text_cnn", lambda x, w, b: F.adaptive_max_pool1d(F.conv1d(x, w, b).relu(), 1),
     {"x": rand(2, 24, 15), "w": rand(18, 24, 3) * 0.2, "b": rand(18)})
case("conv1d_unbatched", lambda x, w: F.conv1d(x, w), {"x": rand(3, 7), "w": rand(2, 3, 2)})

# Conv2d: [N, C, H, W] with weight [O, C / groups, KH, KW]
case("conv2d", lambda x, w, b: F.conv2d(x, w, b), {"x": rand(2, 3, 7, 9), "w": rand(4, 3, 3, 3), "b": rand(4)})
case("conv2d_stride21_pad12", lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2)),
     {"x": rand(2, 3, 9, 8), "w": rand(5, 3, 3, 2), "b": rand(5)})
case("conv2d_dilation23_stride2_nobias", lambda x, w: F.conv2d(x, w, stride=2, padding=2, dilation=(2, 3)),
     {"x": rand(1, 2, 10, 11), "w": rand(3, 2, 3, 3)})
case("conv2d_groups2", lambda x, w, b: F.conv2d(x, w, b, groups=2, padding=1),
     {"x": rand(2, 4, 6, 5), "w": rand(4, 2, 3, 3), "b": rand(4)})
case("conv2d_1x1", lambda x, w, b: F.conv2d(x, w, b), {"x": rand(3, 8, 5, 5), "w": rand(16, 8, 1, 1), "b": rand(16)})
case("conv2d_channels18_20", lambda x, w, b: F.conv2d(x, w, b, padding=1),
     {"x": rand(2, 18, 5, 6), "w": rand(20, 18, 3, 3) * 0.3, "b": rand(20)})
case("conv2d_first_layer", lambda x, w, b: F.conv2d(x, w, b, padding=1),
     {"x": rand(2, 1, 12, 20), "w": rand(16, 1, 3, 3), "b": rand(16)})

# Pooling
case("max_pool1d", lambda x: F.max_pool1d(x, 2), {"x": rand(2, 3, 10)})
case("max_pool1d_k3_s2_p1", lambda x: F.max_pool1d(x, 3, stride=2, padding=1), {"x": rand(2, 3, 11)})
case("max_pool2d", lambda x: F.max_pool2d(x, 2), {"x": rand(2, 4, 8, 7)})
case("max_pool2d_k32_s2_p1", lambda x: F.max_pool2d(x, (3, 2), stride=2, padding=1), {"x": rand(2, 3, 9, 10)})
case("max_pool2d_k21", lambda x: F.max_pool2d(x, (2, 1)), {"x": rand(1, 2, 6, 5)})
case("avg_pool1d_k3_s2_p1", lambda x: F.avg_pool1d(x, 3, stride=2, padding=1), {"x": rand(2, 3, 11)})
case("avg_pool1d", lambda x: F.avg_pool1d(x, 4), {"x": rand(2, 2, 13)})
case("avg_pool2d_k3_s2_p1", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), {"x": rand(2, 3, 9, 10)})
case("avg_pool2d_k23_s12_p10", lambda x: F.avg_pool2d(x, (2, 3), stride=(1, 2), padding=(1, 0)),
     {"x": rand(1, 2, 5, 8)})
case("adaptive_max_pool1d_1", lambda x: F.adaptive_max_pool1d(x, 1), {"x": rand(3, 5, 17)})
case("adaptive_max_pool1d_4", lambda x: F.adaptive_max_pool1d(x, 4), {"x": rand(2, 3, 10)})
case("adaptive_max_pool1d_7_of_5", lambda x: F.adaptive_max_pool1d(x, 7), {"x": rand(2, 2, 5)})
case("adaptive_max_pool1d_1_long", lambda x: F.adaptive_max_pool1d(x, 1), {"x": rand(2, 3, 75)})
# Values on a coarse grid, so windows hold tied maxima: the gradient goes to the first of them.
case("adaptive_max_pool1d_ties", lambda x: F.adaptive_max_pool1d(x, 2), {"x": (rand(2, 3, 70) * 2).round() / 2})
case("max_pool2d_ties", lambda x: F.max_pool2d(x, 3, stride=2, padding=1), {"x": (rand(1, 2, 7, 6) * 2).round() / 2})

out_dir = sys.argv[1] if len(sys.argv) > 1 else "Tests/LemmaTensorTests/Fixtures"
os.makedirs(out_dir, exist_ok=True)
path = os.path.join(out_dir, "conv.safetensors")
write_safetensors(path, fixtures, {"torch": torch.__version__})
print(f"wrote {len(fixtures)} tensors ({os.path.getsize(path)} bytes) to {path}")
