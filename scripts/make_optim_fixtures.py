#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures for LemmaOptim's tests.

Needs torch >= 2.5, for torch.optim.Adafactor: Debian's python3-torch (1.13) lacks it, so run with the PyPI
torch in bench/.venv (docs/BENCHMARKS.md shows how to make it):
    bench/.venv/bin/python scripts/make_optim_fixtures.py Tests/LemmaOptimTests/Fixtures

Everything runs in float32, the dtype Lemma trains in, so defaults that depend on the dtype (Adafactor's
eps1 = finfo(float32).eps) agree. Stored in optim.safetensors:

- `init.<p>`: the starting parameters w [4, 5] (a matrix), b [5] (a vector), k [2, 3, 4] (factored by
  Adafactor over its last two dims) and frozen [3] (requires_grad False: never touched, never given state).
- `grad.<p>`: [5, ...] the gradient fed at each of the 5 steps; `present.<p>`: [5] 1 where the parameter has a
  gradient at that step, 0 where its grad is None (b at step 2), which optimizers must skip.
- `<config>.<p>`: [5, ...] the parameter after each step; `<config>.groups`: [G, 2] each group's learning rate
  and first parameter index (parameter order is w, b, k, frozen).
- `clip.*`: torch.nn.utils.clip_grad_norm_ / clip_grad_value_ inputs, outputs and returned norms.
- `schedule.*`: learning-rate (and momentum) sequences: HF's linear and cosine warmup schedules and fastai's
  one-cycle computed here from their documented formulas; ReduceLROnPlateau run by PyTorch itself.
"""
import math
import os
import sys

import torch

from safetensors_io import write_safetensors

if not hasattr(torch.optim, "Adafactor"):
    sys.exit(f"make_optim_fixtures: torch {torch.__version__} has no torch.optim.Adafactor; use torch >= 2.5 "
             "(bench/.venv/bin/python)")

out_dir = sys.argv[1] if len(sys.argv) > 1 else "Tests/LemmaOptimTests/Fixtures"
torch.manual_seed(20240607)
fixtures = {}
STEPS = 5

# Parameters and the gradients fed to them. b has no gradient at step 2 (index), so state creation and step
# counts are per parameter, as in PyTorch.
shapes = {"w": (4, 5), "b": (5,), "k": (2, 3, 4), "frozen": (3,)}
names = ["w", "b", "k", "frozen"]
init = {n: torch.randn(shapes[n]) for n in names}
grads = {n: torch.randn((STEPS,) + shapes[n]) * (1 + torch.arange(STEPS).view(-1, *[1] * len(shapes[n])))
         for n in ["w", "b", "k"]}
present = {"w": [1] * STEPS, "b": [1, 1, 0, 1, 1], "k": [1] * STEPS}
for n in names:
    fixtures[f"init.{n}"] = init[n]
for n in grads:
    fixtures[f"grad.{n}"] = grads[n]
    fixtures[f"present.{n}"] = torch.tensor(present[n], dtype=torch.float32)


def run(config, make_optimizer, groups=(("w", "b", "k", "frozen"),), group_options=None):
    """Runs 5 steps from the shared start and stores the parameters after each."""
    params = {n: init[n].clone().requires_grad_(n != "frozen") for n in names}
    param_groups = []
    for i, group in enumerate(groups):
        entry = {"params": [params[n] for n in group]}
        entry.update((group_options or [{}] * len(groups))[i])
        param_groups.append(entry)
    optimizer = make_optimizer(param_groups)
    history = {n: [] for n in names}
    for step in range(STEPS):
        optimizer.zero_grad(set_to_none=True)
        for n in grads:
            if present[n][step]:
                params[n].grad = grads[n][step].clone()
        optimizer.step()
        for n in names:
            history[n].append(params[n].detach().clone())
    for n in names:
        fixtures[f"{config}.{n}"] = torch.stack(history[n])
    assert torch.equal(params["frozen"].detach(), init["frozen"])
    assert params["frozen"] not in optimizer.state
    order = {n: i for i, n in enumerate(names)}
    fixtures[f"{config}.groups"] = torch.tensor(
        [[g["lr"], order[group[0]]] for g, group in zip(optimizer.param_groups, groups)], dtype=torch.float32)


O = torch.optim
run("sgd", lambda g: O.SGD(g, lr=0.1))
run("sgd_momentum", lambda g: O.SGD(g, lr=0.1, momentum=0.9, dampening=0.1))
run("sgd_nesterov", lambda g: O.SGD(g, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01))
run("sgd_weight_decay", lambda g: O.SGD(g, lr=0.1, weight_decay=0.1))
run("adam", lambda g: O.Adam(g, lr=0.01))
run("adam_l2", lambda g: O.Adam(g, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1))
run("adam_amsgrad", lambda g: O.Adam(g, lr=0.01, amsgrad=True, weight_decay=0.01))
run("adamw", lambda g: O.AdamW(g))  # PyTorch defaults: lr 1e-3, weight_decay 1e-2
run("adamw_amsgrad", lambda g: O.AdamW(g, lr=0.01, weight_decay=0.1, amsgrad=True))
run("rmsprop", lambda g: O.RMSprop(g, lr=0.01))
run("rmsprop_centered", lambda g: O.RMSprop(g, lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.9,
                                           centered=True))
run("adafactor", lambda g: O.Adafactor(g))  # defaults: lr 1e-2, beta2_decay -0.8, eps (None, 1e-3), d 1
run("adafactor_options", lambda g: O.Adafactor(g, lr=0.05, beta2_decay=-0.5, eps=(1e-3, 1e-2), d=2.0,
                                                weight_decay=0.1))
run("adafactor_maximize", lambda g: O.Adafactor(g, lr=0.5, maximize=True))
run("sgd_groups", lambda g: O.SGD(g, lr=0.1, momentum=0.9),
    groups=(("w", "k"), ("b", "frozen")), group_options=[{}, {"lr": 0.01, "momentum": 0.5}])
run("adam_groups", lambda g: O.Adam(g, lr=0.01),
    groups=(("w",), ("b", "k", "frozen")), group_options=[{}, {"lr": 0.002, "betas": (0.8, 0.9)}])

# Gradient clipping: total norm over every gradient (params without one skipped), then scaled in place.
clip_grads = [torch.randn(4, 5), torch.randn(5) * 3, torch.randn(2, 3, 4)]
for i, g in enumerate(clip_grads):
    fixtures[f"clip.grad{i}"] = g
for label, max_norm, norm_type in [("l2", 1.5, 2.0), ("l2_loose", 100.0, 2.0), ("inf", 2.0, math.inf)]:
    params = [torch.zeros_like(g, requires_grad=True) for g in clip_grads] + [torch.zeros(3, requires_grad=True)]
    for p, g in zip(params, clip_grads):
        p.grad = g.clone()
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    fixtures[f"clip.{label}.norm"] = norm.reshape(1).float()
    for i in range(len(clip_grads)):
        fixtures[f"clip.{label}.out{i}"] = params[i].grad
params = [torch.zeros_like(g, requires_grad=True) for g in clip_grads]
for p, g in zip(params, clip_grads):
    p.grad = g.clone()
torch.nn.utils.clip_grad_value_(params, 0.75)
for i in range(len(clip_grads)):
    fixtures[f"clip.value.out{i}"] = params[i].grad

# Schedules. The learning rate at optimizer step s (counted from 0) for groups whose base LRs are below.
BASE = [0.1, 0.02]
WARMUP, TOTAL = 3, 10


def hf_linear(step):  # transformers.get_linear_schedule_with_warmup
    if step < WARMUP:
        return step / max(1, WARMUP)
    return max(0.0, (TOTAL - step) / max(1, TOTAL - WARMUP))


def hf_cosine(step, cycles=0.5):  # transformers.get_cosine_schedule_with_warmup
    if step < WARMUP:
        return step / max(1, WARMUP)
    progress = (step - WARMUP) / max(1, TOTAL - WARMUP)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * cycles * 2.0 * progress)))


def table(values):
    return torch.tensor(values, dtype=torch.float64).float()


steps = range(TOTAL + 2)  # past the end too: the LR stays at 0
fixtures["schedule.base"] = table(BASE)
fixtures["schedule.linear"] = table([[b * hf_linear(s) for b in BASE] for s in steps])
fixtures["schedule.cosine"] = table([[b * hf_cosine(s) for b in BASE] for s in steps])


def sched_cos(start, end, pos):  # fastai SchedCos
    return start + (1 + math.cos(math.pi * (1 - pos))) * (end - start) / 2


def combined_cos(pct, start, middle, end, pos):  # fastai combined_cos = combine_scheds of two SchedCos
    if pos < pct:
        return sched_cos(start, middle, pos / pct)
    return sched_cos(middle, end, (pos - pct) / (1 - pct))


# fastai fit_one_cycle: lr_max, div 25, div_final 1e5, pct_start 0.25, moms (0.95, 0.85, 0.95); the position
# is train_iter / total_iters at each batch, so the last step sits just short of the end.
CYCLE = 20
fixtures["schedule.one_cycle.lr"] = table(
    [[combined_cos(0.25, b / 25, b, b / 1e5, s / CYCLE) for b in BASE] for s in range(CYCLE)])
fixtures["schedule.one_cycle.momentum"] = table(
    [combined_cos(0.25, 0.95, 0.85, 0.95, s / CYCLE) for s in range(CYCLE)])

# ReduceLROnPlateau, by PyTorch: the LRs after each metric.
metrics = [1.0, 0.95, 0.93, 0.92, 0.921, 0.95, 0.9, 0.5, 0.49, 0.495, 0.6, 0.48, 0.47, 0.47, 0.46, 0.9, 1.0,
           1.1, 0.2, 0.3]
fixtures["schedule.plateau.metrics"] = table(metrics)
for label, kwargs in [
    ("min_rel", dict(mode="min", factor=0.5, patience=2, threshold=0.02, threshold_mode="rel", cooldown=1,
                     min_lr=[0.01, 0.004])),
    ("max_abs", dict(mode="max", factor=0.3, patience=0, threshold=0.05, threshold_mode="abs", cooldown=0,
                     min_lr=0.0)),
]:
    optimizer = O.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": BASE[0]},
                       {"params": [torch.zeros(1, requires_grad=True)], "lr": BASE[1]}])
    plateau = O.lr_scheduler.ReduceLROnPlateau(optimizer, **kwargs)
    lrs = []
    for m in metrics:
        plateau.step(m)
        lrs.append([g["lr"] for g in optimizer.param_groups])
    fixtures[f"schedule.plateau.{label}"] = table(lrs)

os.makedirs(out_dir, exist_ok=True)
path = os.path.join(out_dir, "optim.safetensors")
write_safetensors(path, {k: v.float().contiguous() for k, v in fixtures.items()},
                  metadata={"torch": torch.__version__})
print(f"wrote {len(fixtures)} tensors ({os.path.getsize(path)} bytes) to {path}")
