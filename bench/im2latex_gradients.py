#!/usr/bin/env python3
"""Lemma's and the PyTorch twin's gradients of the same im2latex weights on the same batches, compared per tensor,
for a difference systematic in sign that a step-by-step loss check would not show.

    bench/im2latex_gradients.py RUN WEIGHTS DIR [--batches 20] [--epoch 0] [--seed 1]

runs the twin (bench/im2latex_twin.py --gradients: Lemma's first batches of the epoch, the batches saved) and then
`lemma-bench im2latex-gradients` on those batches, and prints per tensor, over the batches:
- rel: the median of |g_lemma − g_twin| / |g_twin| (rounding alone: about 1e-6 to 1e-4, more where a gradient is tiny);
- bias: Σ_b <g_lemma − g_twin, g_twin> / Σ_b |g_twin|², the part of the difference along the twin's gradient
  (a Lemma gradient systematically shorter or longer shows as a negative or positive bias of the same sign on every
  batch; rounding averages out);
- sign: in how many batches that projection was positive.
Rows are sorted by |bias|; the losses of both sides are printed first.
"""
import os
import subprocess
import sys

import numpy as np
from safetensors.numpy import load_file

args = sys.argv[1:]
run, weights, out = args[0], args[1], args[2]


def option(name, default):
    return args[args.index(name) + 1] if name in args else default


root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
python = os.environ.get("PYTHON", os.path.join(root, "bench/.venv/bin/python"))
subprocess.run([python, os.path.join(root, "bench/im2latex_twin.py"), run, "--seed", option("--seed", "1"), "--weights", weights,
                "--gradients", out, "--batches", option("--batches", "20"), "--epoch", option("--epoch", "0")], check=True)
subprocess.run([os.path.join(root, ".build/release/lemma-bench"), "im2latex-gradients", os.path.abspath(run), os.path.abspath(weights),
                os.path.abspath(os.path.join(out, "batches.safetensors")), os.path.abspath(os.path.join(out, "lemma_gradients.safetensors"))],
               check=True)
torch_side = load_file(os.path.join(out, "torch_gradients.safetensors"))
lemma_side = load_file(os.path.join(out, "lemma_gradients.safetensors"))
count = len([k for k in torch_side if k.endswith(".loss")])
losses = [(float(lemma_side[f"{i}.loss"][0]), float(torch_side[f"{i}.loss"][0])) for i in range(count)]
print(f"{count} batches; loss Lemma − twin per batch: mean {np.mean([a - b for a, b in losses]):+.2e}, "
      f"largest |Δ| {max(abs(a - b) for a, b in losses):.2e} (mean loss {np.mean([b for _, b in losses]):.4f})")
names = sorted({k.split(".", 1)[1] for k in torch_side if not k.endswith(".loss")})
rows = []
for name in names:
    relative, along, norms, positive = [], 0.0, 0.0, 0
    for i in range(count):
        t = torch_side[f"{i}.{name}"].astype(np.float64).ravel()
        lemma = lemma_side[f"{i}.{name}"].astype(np.float64).ravel()
        d = lemma - t
        norm = float(t @ t)
        relative.append(np.sqrt(float(d @ d)) / max(np.sqrt(norm), 1e-30))
        projection = float(d @ t)
        along += projection
        norms += norm
        positive += projection > 0
    rows.append((name, float(np.median(relative)), along / max(norms, 1e-300), positive, np.sqrt(norms / count)))
rows.sort(key=lambda r: -abs(r[2]))
print(f"{'tensor':<44} {'rel (median)':>12} {'bias':>11} {'sign +':>7} {'|g| (rms)':>10}")
for name, rel, bias, positive, norm in rows:
    print(f"{name:<44} {rel:12.2e} {bias:+11.2e} {positive:>4}/{count:<2} {norm:10.3e}")
