#!/usr/bin/env python3
"""Runs Lemma's and PyTorch's benchmarks side by side and prints medians and ratios as a Markdown table.

    swift build -c release --product lemma-bench
    python3 bench/compare.py [--runs 5] [all|WORKLOAD]

Each implementation runs `--runs` times as a separate process (each run is itself a median of 7 timed
batches); the table shows the median over runs. PyTorch runs in every configuration found here: Debian's
python3-torch with and without OMP_WAIT_POLICY=PASSIVE, and PyPI torch from bench/.venv if it exists.
Ratios compare Lemma with the fastest PyTorch configuration on each row (higher is better for Lemma).
`--configs lemma,pypi,"debian PASSIVE"` limits the run to some configurations (names as above).

Denormals: Lemma flushes them to zero by default and "lemma keep-denormals" runs it with
LEMMA_FLUSH_DENORMALS=0; for convolution workloads "lemma direct-conv" runs Lemma's convolutions on oneDNN's
direct kernels instead of its Winograd ones (LEMMA_CONV_ALGORITHM=direct); every PyTorch configuration also runs as "<name> flush", with
torch.set_flush_denormal(True), and "pypi flush SPIN" adds the GOMP_SPINCOUNT=10000 that Lemma sets for
itself. `--peak G` (default 240, two AVX-512 cores) is the FP32 peak that workloads reporting their GEMM
work are measured against. `--repeat N` is passed on to every implementation (timed batches per run). The seed-sized recurrent
workloads (seed000-bilstm, seed002-gru) have their twin in bench/seed_recurrent_torch.py, the GPT-2 ones
(gpt2-train, gpt2-sample) in bench/gpt2_torch.py (PyPI torch and transformers only), im2latex's in
bench/im2latex_torch_bench.py.
"""
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 5
option_values = {args[i + 1] for i, a in enumerate(args[:-1]) if a in ("--runs", "--configs", "--repeat", "--peak", "--only", "--dropout")}
which = next((a for a in args if not a.startswith("-") and a not in option_values), "all")

# Passed on to both sides: timed batches, a workload filter, and (GPT-2) a dropout probability.
passed = [x for flag in ("--repeat", "--only", "--dropout") if flag in args for x in (flag, args[args.index(flag) + 1])]
lemma_bench = [os.path.join(ROOT, ".build/release/lemma-bench"), which] + passed
configs = [("lemma", lemma_bench, {}), ("lemma keep-denormals", lemma_bench, {"LEMMA_FLUSH_DENORMALS": "0"})]
if which.startswith(("im2latex", "conv", "all")):  # Lemma's Winograd convolutions against its oneDNN ones
    configs.append(("lemma direct-conv", lemma_bench, {"LEMMA_CONV_ALGORITHM": "direct"}))
torch_script = os.path.join(ROOT, "bench/seed_recurrent_torch.py" if which.startswith("seed") else
                            "bench/gpt2_torch.py" if which.startswith("gpt2") else
                            "bench/im2latex_torch_bench.py" if which.startswith("im2latex") else "bench/torch_bench.py")
flush = {"LEMMA_BENCH_TORCH_FLUSH": "1"}
if os.path.exists("/usr/bin/python3") and not which.startswith("gpt2"):  # Debian's torch has no transformers
    debian = ["/usr/bin/python3", torch_script, which] + passed
    configs.append(("debian", debian, {}))
    configs.append(("debian PASSIVE", debian, {"OMP_WAIT_POLICY": "PASSIVE"}))
    configs.append(("debian PASSIVE flush", debian, {"OMP_WAIT_POLICY": "PASSIVE", **flush}))
venv = os.path.join(ROOT, "bench/.venv/bin/python")
if os.path.exists(venv):
    pypi = [venv, torch_script, which] + passed
    configs.append(("pypi", pypi, {}))
    configs.append(("pypi flush", pypi, flush))
    configs.append(("pypi flush SPIN", pypi, {**flush, "GOMP_SPINCOUNT": "10000"}))

# Metric name -> (higher is better, unit). Workloads report exactly one of these.
if "--configs" in args:
    wanted = args[args.index("--configs") + 1].split(",")
    configs = [c for c in configs if c[0] in wanted]

METRICS = {"gflops": (True, "GFLOP/s"), "us_per_op": (False, "µs/op"), "examples_per_s": (True, "examples/s"),
           "ms_per_step": (False, "ms/step"), "tokens_per_second": (True, "tokens/s")}
samples = {}  # (workload, label) -> [value]
gemm_rates = {}  # (workload, label) -> [GFLOP/s of GEMM work], for workloads that report their GEMM work
units = {}
peak = float(args[args.index("--peak") + 1]) if "--peak" in args else 240.0


def cpu_line():
    """lscpu's model and the vector extensions that decide which kernels run (the same model name comes with
    and without AVX-512 on this machine kind)."""
    out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("Model name")), "unknown")
    flags = next((l.split(":", 1)[1].split() for l in out.splitlines() if l.startswith("Flags")), [])
    isa = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_tile") if f in flags]
    return f"# lscpu: {model}; {' '.join(isa) or 'no AVX2'}"


print(cpu_line())


def label_of(name, row):
    return row["impl"] if name == "lemma" else f"{row['impl']} ({name})"


for _ in range(runs):
    for name, command, env in configs:
        out = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env}, check=True).stdout
        for line in out.splitlines():
            row = json.loads(line)
            metric = "ms_per_step" if "ms_per_step" in row else next(m for m in METRICS if m in row)
            if "gemm_gflop" in row:
                gemm_rates.setdefault((row["workload"], label_of(name, row)), []).append(row["gflops"])
            label = label_of(name, row)
            samples.setdefault((row["workload"], label), []).append(row[metric])
            units[row["workload"]] = metric

print(f"| workload | implementation | median of {runs} runs | vs best PyTorch |")
print("|---|---|---|---|")
for workload in dict.fromkeys(w for w, _ in samples):
    metric = units[workload]
    higher_is_better, unit = METRICS[metric]
    rows = {label: statistics.median(v) for (w, label), v in samples.items() if w == workload}
    torch_rows = {k: v for k, v in rows.items() if k.startswith("torch")}
    best = (max if higher_is_better else min)(torch_rows.values()) if torch_rows else None
    for label, value in rows.items():
        ratio = ""
        if best and label.startswith("lemma"):
            ratio = f"{(value / best if higher_is_better else best / value):.2f}×"
        elif best and label.startswith("raw"):
            lemma = rows.get("lemma")
            ratio = f"lemma / this = {lemma / value:.3f}" if lemma else ""
        print(f"| {workload} | {label} | {value:.3g} {unit} | {ratio} |")

if gemm_rates:
    print()
    print(f"| workload | implementation | GEMM work reached (median) | share of {peak:g} GFLOP/s peak |")
    print("|---|---|---|---|")
    for (workload, label), values in gemm_rates.items():
        rate = statistics.median(values)
        print(f"| {workload} | {label} | {rate:.3g} GFLOP/s | {rate / peak:.0%} |")

