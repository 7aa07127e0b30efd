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
only = args[args.index("--only") + 1] if "--only" in args else None
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


def bench_conv1d():
    """Text CNN (Kim 2014): Conv1d 64→100 channels, width 3, over 128 steps, batch 64, then ReLU and a global
    max pool over time; forward + backward to input, weight and bias."""
    torch.manual_seed(0)
    x = torch.randn(64, 64, 128, requires_grad=True)
    w = (torch.randn(100, 64, 3) * 0.07).requires_grad_()
    b = torch.zeros(100, requires_grad=True)

    def step():
        y = torch.nn.functional.conv1d(x, w, b).relu()
        torch.nn.functional.adaptive_max_pool1d(y, 1).sum().backward()
        x.grad = w.grad = b.grad = None

    report(workload="conv1d text-cnn 64→100 k3, T 128, batch 64, fwd+bwd", ms_per_step=measure(20, step) * 1e3)


# The im2latex CNN encoder (Deng et al. 2017) without its batch norms: 3×3 convs, stride 1, padding 1, each
# followed by ReLU; (channels, max pool after it) per layer. Input 1×128×512, batch 8.
ENCODER = [(64, (2, 2)), (128, (2, 2)), (256, None), (256, (2, 1)), (512, (1, 2)), (512, None)]


def bench_conv2d():
    torch.manual_seed(0)
    x = torch.randn(8, 1, 128, 512)
    params, channels = [], 1
    for out, _ in ENCODER:
        w = (torch.randn(out, channels, 3, 3) * (2 / (9 * channels)) ** 0.5).requires_grad_()
        params.append((w, torch.zeros(out, requires_grad=True)))
        channels = out

    def step():
        y = x
        for (w, b), (_, pool) in zip(params, ENCODER):
            y = torch.nn.functional.conv2d(y, w, b, padding=1).relu()
            if pool:
                y = torch.nn.functional.max_pool2d(y, pool)
        y.sum().backward()
        for w, b in params:
            w.grad = b.grad = None

    report(workload="conv2d im2latex encoder 1→512, 128×512, batch 8, fwd+bwd", ms_per_step=measure(1, step) * 1e3)


def bench_recurrent():
    for cell in ("lstm", "gru"):
        for hidden in (128, 256):
            for steps in (128, 480):
                for batch in (32, 128):
                    if only and only not in f"{cell} H{hidden} T{steps} B{batch}":
                        continue
                    torch.manual_seed(0)
                    cls = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
                    layer = cls(128, hidden, batch_first=True, bidirectional=True)
                    x = torch.randn(batch, steps, 128)

                    def step():
                        y, _ = layer(x)
                        y.sum().backward()
                        layer.zero_grad(set_to_none=True)

                    global repeats
                    saved = repeats
                    repeats = 3 if hidden * steps * batch > 4_000_000 else 5
                    seconds = measure(1, step)
                    repeats = saved
                    report(workload=f"{cell} H{hidden} T{steps} B{batch} bidirectional fwd+bwd", ms_per_step=seconds * 1e3)


def bench_attention_block():
    torch.manual_seed(0)
    block = torch.nn.TransformerEncoderLayer(768, 12, dim_feedforward=3072, dropout=0.0, activation="gelu",
                                             batch_first=True, norm_first=True)
    x = torch.randn(4, 256, 768, requires_grad=True)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(256)

    def step():
        block(x, src_mask=mask).sum().backward()
        block.zero_grad(set_to_none=True)
        x.grad = None

    report(workload="gpt2-small block T256 B4 fwd+bwd", ms_per_step=measure(2, step) * 1e3)


# Workloads by name, the same names as in bench/swift/main.swift.
WORKLOADS = {
    "gemm": bench_gemm,
    "dispatch": bench_dispatch,
    "mlp": bench_mlp,
    "rnn": bench_recurrent,
    "attention": bench_attention_block,
    "conv1d": bench_conv1d,
    "conv2d": bench_conv2d,
}

if which != "all" and which not in WORKLOADS:
    sys.exit(f"torch_bench: unknown workload {which!r}; one of all, {', '.join(WORKLOADS)}")
for name, run in WORKLOADS.items():
    if which in (name, "all"):
        run()
