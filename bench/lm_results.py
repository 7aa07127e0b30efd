#!/usr/bin/env python3
"""Trains a language-model config with Lemma and with its PyTorch twin (bench/lm_torch.py), seed by seed and
interleaved, and prints held-out loss, perplexity and training time as Markdown.

    swift build -c release --product lemma
    python3 scripts/make_lm_dataset.py
    python3 bench/lm_results.py configs/metamath-gpt2.yaml [--seeds 1] [--set key=value ...]

The twin reads each seed's Lemma run directory (runs/results/<config>-seed<S>): the same token streams, model
shape and hyper-parameters. Held-out numbers are over the test stream in windows of the block size; time is the
training loop (Lemma's summary.json `training_seconds`, which includes its periodic evaluations; the twin runs
none), a loop figure, not a whole process.
"""
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
config = args[0]
seeds = [int(s) for s in args[args.index("--seeds") + 1].split(",")] if "--seeds" in args else [1]
overrides = [args[i + 1] for i, a in enumerate(args) if a == "--set"]
name = os.path.splitext(os.path.basename(config))[0]
rows = []
for seed in seeds:
    run = os.path.join(ROOT, "runs", "results", f"{name}-seed{seed}")
    subprocess.run(["rm", "-rf", run], check=True)
    command = [os.path.join(ROOT, ".build/release/lemma"), "train", "--config", config, "--output", run, "--set", f"train.seed={seed}"]
    for o in overrides:
        command += ["--set", o]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    evaluation = json.load(open(os.path.join(run, "evaluation.json")))["metrics"]
    summary = json.load(open(os.path.join(run, "summary.json")))
    rows.append(("lemma", seed, evaluation["loss"], evaluation["perplexity"], summary["training_seconds"]))
    print(rows[-1], flush=True)
    twin = json.loads(subprocess.run([os.path.join(ROOT, "bench/.venv/bin/python"), os.path.join(ROOT, "bench/lm_torch.py"), run,
                                      "--seed", str(seed)], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    rows.append((twin["impl"], seed, twin["loss"], twin["perplexity"], twin["training_seconds"]))
    print(rows[-1], flush=True)

print("\n| implementation | seed | test loss | test perplexity | training time |\n|---|---|---|---|---|")
for impl, seed, loss, perplexity, seconds in rows:
    print(f"| {impl} | {seed} | {loss:.4f} | {perplexity:.2f} | {seconds:.0f} s |")
for impl in dict.fromkeys(r[0] for r in rows):
    mine = [r for r in rows if r[0] == impl]
    if len(mine) > 1:
        print(f"| {impl} | median | {statistics.median(r[2] for r in mine):.4f} | {statistics.median(r[3] for r in mine):.2f} "
              f"| {statistics.median(r[4] for r in mine):.0f} s |")
