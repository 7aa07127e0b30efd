#!/usr/bin/env python3
"""PyTorch's side of the benchmarks in bench/: the same workloads as bench/swift/main.swift, one JSON line each.

Usage: python3 bench/torch_bench.py [all|WORKLOAD] [--repeat N]
Runs with torch.set_num_threads(2). Which torch runs is whichever `python3` imports (Debian's
python3-torch 1.13, or a venv with PyPI torch 2.x); bench/compare.py records the version.
"""
import json
import sys
import time

import torch

torch.set_num_threads(2)
args = sys.argv[1:]
which = next((a for a in args if not a.startswith("-") and not a.isdigit()), "all")
repeats = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 7
info = {"impl": f"torch {torch.__version__}"}


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


def report(**fields):
    print(json.dumps({**info, **fields}, sort_keys=True), flush=True)


def bench_gemm():
    torch.manual_seed(0)
    for m, k, n in [(1024, 1024, 1024), (64, 512, 2048)]:
        a, b = torch.randn(m, k), torch.randn(k, n)
        c = torch.empty(m, n)
        seconds = measure(5 if m == 1024 else 200, lambda: torch.mm(a, b, out=c))
        report(workload=f"gemm {m}x{k}x{n}", gflops=2.0 * m * n * k / seconds / 1e9)


def bench_dispatch():
    ops = 10_000
    x = torch.randn(64, requires_grad=True)
    c = torch.randn(64) * 0.1

    def chain():
        y = x
        for i in range(ops):
            if i % 3 == 0:
                y = y + c
            elif i % 3 == 1:
                y = y * c
            else:
                y = torch.tanh(y)
        return y

    report(workload="dispatch 10k ops, 64 elements, recording", us_per_op=measure(3, chain) / ops * 1e6)

    def both():
        chain().sum().backward()
        x.grad = None

    report(workload="dispatch 10k ops + backward", us_per_op=measure(3, both) / ops * 1e6)


def bench_mlp():
    torch.manual_seed(0)
    batch = 128
    model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(batch, 784)
    targets = torch.arange(batch) % 10
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), targets)
        loss.backward()
        optimizer.step()

    report(workload="mlp 784-512-10 train step, batch 128", examples_per_s=batch / measure(50, step))


# Workloads by name, the same names as in bench/swift/main.swift.
WORKLOADS = {
    "gemm": bench_gemm,
    "dispatch": bench_dispatch,
    "mlp": bench_mlp,
}

if which != "all" and which not in WORKLOADS:
    sys.exit(f"torch_bench: unknown workload {which!r}; one of all, {', '.join(WORKLOADS)}")
for name, run in WORKLOADS.items():
    if which in (name, "all"):
        run()
