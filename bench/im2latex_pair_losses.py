#!/usr/bin/env python3
"""Training losses of a paired im2latex run (bench/im2latex_twin.sh with PAIRED=1) side by side: each side's loss as
the mean of the 100 steps before the step named (Lemma's logged `loss` in metrics.jsonl; the twin's per-step
`--loss-log`), and their difference, Lemma − twin. Works on an unfinished twin (steps it has not reached are left out).

    python3 bench/im2latex_pair_losses.py runs/im2latex-paired-12000/lemma-1 [STEP ...]
"""
import json
import sys

run = sys.argv[1].rstrip("/")
steps = [int(s) for s in sys.argv[2:]] or [500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000, 8000, 10000, 12000]
lemma = {r["step"]: r["loss"] for r in map(json.loads, open(f"{run}/metrics.jsonl")) if "loss" in r}
twin = {}
for line in open(f"{run}-twin.steps.jsonl"):
    if line.strip():
        record = json.loads(line)
        twin[record["step"]] = record["loss"]


def mean_before(step):
    window = [twin.get(s) for s in range(step - 99, step + 1)]
    return None if None in window else sum(window) / 100


rows = [(s, lemma[s], mean_before(s)) for s in steps if s in lemma and mean_before(s) is not None]
print("| step | " + " | ".join(f"{s:,}" for s, _, _ in rows) + " |")
print("|---|" + "---|" * len(rows))
print("| Lemma | " + " | ".join(f"{l:.3f}" for _, l, _ in rows) + " |")
print("| twin | " + " | ".join(f"{t:.3f}" for _, _, t in rows) + " |")
print("| Lemma − twin | " + " | ".join(f"{l - t:+.3f}" for _, l, t in rows) + " |")
