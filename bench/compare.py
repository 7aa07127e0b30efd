#!/usr/bin/env python3
"""Runs Lemma's and PyTorch's benchmarks side by side and prints medians and ratios as a Markdown table.

    swift build -c release --product lemma-bench
    python3 bench/compare.py [--runs 5] [all|WORKLOAD]

Each implementation runs `--runs` times as a separate process (each run is itself a median of 7 timed
batches); the table shows the median over runs. PyTorch runs in every configuration found here: Debian's
python3-torch with and without OMP_WAIT_POLICY=PASSIVE, and PyPI torch from bench/.venv if it exists.
Ratios compare Lemma with the fastest PyTorch configuration on each row (higher is better for Lemma).
`--configs lemma,pypi,"debian PASSIVE"` limits the run to some configurations (names as above).
"""
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 5
option_values = {args[i + 1] for i, a in enumerate(args[:-1]) if a in ("--runs", "--configs")}
which = next((a for a in args if not a.startswith("-") and a not in option_values), "all")

configs = [("lemma", [os.path.join(ROOT, ".build/release/lemma-bench"), which], {})]
torch_script = os.path.join(ROOT, "bench/torch_bench.py")
if os.path.exists("/usr/bin/python3"):
    configs.append(("debian", ["/usr/bin/python3", torch_script, which], {}))
    configs.append(("debian PASSIVE", ["/usr/bin/python3", torch_script, which], {"OMP_WAIT_POLICY": "PASSIVE"}))
venv = os.path.join(ROOT, "bench/.venv/bin/python")
if os.path.exists(venv):
    configs.append(("pypi", [venv, torch_script, which], {}))

# Metric name -> (higher is better, unit). Workloads report exactly one of these.
if "--configs" in args:
    wanted = args[args.index("--configs") + 1].split(",")
    configs = [c for c in configs if c[0] in wanted]

METRICS = {"gflops": (True, "GFLOP/s"), "us_per_op": (False, "µs/op"), "examples_per_s": (True, "examples/s"),
           "ms_per_step": (False, "ms/step")}
samples = {}  # (workload, label) -> [value]
units = {}
for _ in range(runs):
    for name, command, env in configs:
        out = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env}, check=True).stdout
        for line in out.splitlines():
            row = json.loads(line)
            metric = next(m for m in METRICS if m in row)
            label = row["impl"] if name == "lemma" else f"{row['impl']} ({name})"
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
