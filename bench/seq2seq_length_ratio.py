#!/usr/bin/env python3
"""Output length against BLEU, both sides, for seq2seq runs already trained by bench/seq2seq_results.py.

    swift build -c release --product lemma
    python3 bench/seq2seq_length_ratio.py runs/results/metamath-latex-gru --seeds 1,2,3

For each seed S, Lemma's trained run RUN-seedS is evaluated on its prepared test split (`lemma eval --data test
--json`: BLEU and sacrebleu's length ratio, output over reference length) and the twin retrains from the same
seed on the same data (bench/seq2seq_torch.py, which reports the same two numbers). A ratio below 1 is
BLEU's brevity penalty at work: exp(1 - 1/ratio). Prints a Markdown table and the medians.
"""
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
prefix = args[0]
seeds = [int(s) for s in args[args.index("--seeds") + 1].split(",")] if "--seeds" in args else [1, 2, 3]
python = os.path.join(ROOT, "bench/.venv/bin/python")
rows = []
for seed in seeds:
    run = f"{prefix}-seed{seed}"
    lemma = json.loads(subprocess.run([os.path.join(ROOT, ".build/release/lemma"), "eval", "--run", run, "--data", "test", "--json"],
                                      check=True, capture_output=True, text=True, cwd=ROOT).stdout)
    twin = json.loads(subprocess.run([python, os.path.join(ROOT, "bench/seq2seq_torch.py"), run, "--seed", str(seed)],
                                     check=True, capture_output=True, text=True, cwd=ROOT).stdout)
    rows.append((seed, lemma["bleu"], lemma["bleu_length_ratio"], twin["bleu"], twin["bleu_length_ratio"]))
    print(rows[-1], flush=True)

print("\n| seed | lemma BLEU | lemma length ratio | twin BLEU | twin length ratio |\n|---|---|---|---|---|")
for seed, lb, lr, tb, tr in rows:
    print(f"| {seed} | {lb:.2f} | {lr:.3f} | {tb:.2f} | {tr:.3f} |")
print(f"| median | {statistics.median(r[1] for r in rows):.2f} | {statistics.median(r[2] for r in rows):.3f} | "
      f"{statistics.median(r[3] for r in rows):.2f} | {statistics.median(r[4] for r in rows):.3f} |")
