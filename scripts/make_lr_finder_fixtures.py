#!/usr/bin/env python3
"""Writes the reference numbers for LemmaTrain's learning-rate finder tests with fastai's own code.

Needs fastai from PyPI (this script installs nothing itself):
    python3 -m venv /tmp/report-venv && /tmp/report-venv/bin/pip install fastai
    /tmp/report-venv/bin/python scripts/make_lr_finder_fixtures.py Tests/LemmaTrainTests/Fixtures

Writes lr_finder.json:

- `versions`: fastai and torch versions.
- `sweeps`: for a few synthetic loss curves, a real `Learner.lr_find` run: a one-weight model whose loss
  function returns the curve's next value, so fastai's LRFinder, Recorder and lr_find do all the scheduling,
  smoothing, stopping and slicing. Each holds the `start_lr`, `end_lr`, `num_it` given to lr_find, the raw
  `losses` fed in (float32 values), the `recorded_lrs` and `recorded_losses` (smoothed) that the Recorder kept
  (their length is where fastai stopped), and `suggestions` (what lr_find returned; null for a method that
  fastai cannot compute on that run).
- `functions`: valley, steep, minimum and slide called directly on float64 tensors of (lrs, losses), each
  result `[suggested_lr, [marker_lr, marker_loss]]`, or null where fastai raises. The first cases are the
  exact inputs lr_find passes for each sweep (recorded values sliced [num_it//10:-5], cut at the first NaN);
  the rest are short and odd curves.
Raw values that JSON cannot hold are the strings "nan", "inf" and "-inf".
"""
import json
import math
import os
import sys
import tempfile
import warnings

import numpy as np
import torch
from torch import nn

warnings.filterwarnings("ignore")
import fastai  # noqa: E402
from fastai.callback.schedule import minimum, slide, steep, valley  # noqa: E402
from fastai.data.core import DataLoaders  # noqa: E402
from fastai.data.load import DataLoader  # noqa: E402
from fastai.learner import Learner  # noqa: E402
from fastai.optimizer import SGD  # noqa: E402

out_dir = sys.argv[1] if len(sys.argv) > 1 else "Tests/LemmaTrainTests/Fixtures"
rng = np.random.default_rng(20240612)
METHODS = [("valley", valley), ("steep", steep), ("minimum", minimum), ("slide", slide)]


def as_json(x):
    if isinstance(x, (list, tuple)):
        return [as_json(v) for v in x]
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


class CurveLoss:
    """Returns the curve's next value (as float32, like a real loss); zero gradient to the model."""

    def __init__(self, losses):
        self.losses, self.i = losses, 0

    def __call__(self, pred, y):
        value = self.losses[min(self.i, len(self.losses) - 1)]
        self.i += 1
        return pred.sum() * 0 + torch.tensor(value, dtype=torch.float32)


def run_lr_find(losses, start_lr, end_lr, num_it, funcs):
    items = [(torch.zeros(1), torch.zeros(1)) for _ in range(16)]
    dls = DataLoaders(DataLoader(items, bs=1), DataLoader(items[:2], bs=1))
    with tempfile.TemporaryDirectory() as path:
        learn = Learner(dls, nn.Linear(1, 1), loss_func=CurveLoss(losses), opt_func=SGD, path=path)
        with learn.no_bar():
            result = learn.lr_find(start_lr=start_lr, end_lr=end_lr, num_it=num_it, show_plot=False,
                                   suggest_funcs=tuple(f for _, f in funcs))
    suggestions = {name: None for name, _ in METHODS}
    for (name, _), value in zip(funcs, result):
        suggestions[name] = as_json(value)
    return learn.recorder.lrs, [float(v) for v in learn.recorder.losses], suggestions


def lr_find_inputs(lrs, losses, num_it):
    """The slice lr_find hands to the suggestion functions, in float64."""
    lrs, losses = torch.tensor(lrs[num_it // 10:-5], dtype=torch.float64), \
        torch.tensor(losses[num_it // 10:-5], dtype=torch.float64)
    nan = torch.nonzero(torch.isnan(losses))
    if len(nan) > 0:
        lrs, losses = lrs[:int(nan.min())], losses[:int(nan.min())]
    return lrs, losses


def call_functions(name, lrs, losses):
    results = {}
    for method, f in METHODS:
        try:
            lr, (marker_lr, marker_loss) = f(lrs, losses, 100)
            results[method] = as_json([lr, [marker_lr, marker_loss]])
        except (IndexError, ValueError, RuntimeError):
            results[method] = None
    return {"name": name, "lrs": as_json(lrs.tolist()), "losses": as_json(losses.tolist()), **results}


def float32(values):
    return [float(np.float32(v)) for v in values]


def curve(lrs, floor, drop_at, blow_up_at, noise, seed_noise=True):
    """A typical LR-finder curve over log10(lr): flat, a drop around `drop_at`, a blow-up after `blow_up_at`."""
    x = np.log10(lrs)
    loss = 2.3 - (2.3 - floor) / (1 + np.exp(-2.2 * (x - drop_at))) + np.exp(2.5 * (x - blow_up_at))
    if seed_noise:
        loss = loss + rng.normal(0, noise, size=len(x))
    return float32(loss)


def schedule(start, end, n):
    return [start * (end / start) ** (i / n) for i in range(n)]


def main():
    all_methods = METHODS
    no_steep_slide = [m for m in METHODS if m[0] in ("valley", "minimum")]
    sweeps = []

    def sweep(name, losses, start_lr=1e-7, end_lr=10, num_it=100, funcs=all_methods):
        lrs, smoothed, suggestions = run_lr_find(losses, start_lr, end_lr, num_it, funcs)
        sweeps.append({"name": name, "start_lr": start_lr, "end_lr": end_lr, "num_it": num_it,
                       "losses": as_json(losses), "recorded_lrs": lrs, "recorded_losses": as_json(smoothed),
                       "suggestions": suggestions})
        return lrs, smoothed, num_it

    runs = []
    # Diverges (smoothed loss above 4x the best) before the last iteration.
    runs.append(("diverges", sweep("diverges", curve(schedule(1e-7, 10, 100), 0.4, -3.0, -1.2, 0.04))))
    # Noisier, and a lower ceiling: the sweep runs out of iterations before it diverges.
    runs.append(("completes", sweep("completes", curve(schedule(1e-5, 0.1, 60), 0.7, -3.2, 3.0, 0.08),
                                    start_lr=1e-5, end_lr=0.1, num_it=60)))
    # The loss turns NaN at iteration 70: fastai keeps going, records NaN and lr_find cuts at the first NaN.
    nan_losses = curve(schedule(1e-7, 10, 100), 0.5, -4.0, 3.0, 0.03)
    nan_losses[70:] = [float("nan")] * 30
    runs.append(("nan", sweep("nan", nan_losses)))
    # Blows up early: few points survive lr_find's slicing.
    runs.append(("early_divergence", sweep("early_divergence",
                                           curve(schedule(1e-7, 10, 100), 1.0, -6.5, -5.2, 0.01))))
    # An infinite loss stops the sweep (inf > 4 x best).
    inf_losses = curve(schedule(1e-6, 1, 80), 0.3, -3.5, 3.0, 0.02)
    inf_losses[50] = float("inf")
    runs.append(("inf", sweep("inf", inf_losses, start_lr=1e-6, end_lr=1, num_it=80)))
    # Fewer than 6 iterations asked: fastai runs 6 and slices with the number asked.
    runs.append(("too_few", sweep("too_few", float32([2.0, 1.9, 1.7, 1.8, 1.6, 1.65, 1.5]), num_it=4,
                                  funcs=no_steep_slide)))

    functions = []
    for name, (lrs, smoothed, num_it) in runs:
        functions.append(call_functions(f"lr_find:{name}", *lr_find_inputs(lrs, smoothed, num_it)))

    def direct(name, lrs, losses):
        functions.append(call_functions(name, torch.tensor(lrs, dtype=torch.float64),
                                        torch.tensor(losses, dtype=torch.float64)))

    direct("two_points_decreasing", [1e-3, 1e-2], [2.0, 1.0])
    direct("three_points_decreasing", [1e-3, 1e-2, 1e-1], [3.0, 2.0, 1.0])
    direct("increasing", schedule(1e-4, 1, 20), [1.0 + 0.1 * i for i in range(20)])
    direct("ties", schedule(1e-4, 1, 20), [2.0, 2.0, 1.5, 1.5, 1.0, 1.0, 1.0, 1.2, 0.9, 0.9,
                                          0.9, 0.8, 0.8, 1.0, 1.4, 2.0, 3.0, 3.0, 5.0, 8.0])
    direct("zigzag", schedule(1e-6, 1e-1, 40), [2.0 - 0.03 * i + (0.2 if i % 3 == 0 else 0.0) for i in range(40)])
    direct("sixteen_points", schedule(1e-5, 1e-1, 16), [2.0 - 0.1 * i for i in range(16)])
    direct("fifteen_points", schedule(1e-5, 1e-1, 15), [2.0 - 0.1 * i for i in range(15)])
    direct("single_point", [1e-3], [1.0])

    fixture = {"versions": {"fastai": fastai.__version__, "torch": torch.__version__},
               "sweeps": sweeps, "functions": functions}
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "lr_finder.json"), "w") as f:
        json.dump(fixture, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
