#!/usr/bin/env python3
"""Trains a seq2seq config with Lemma and with its PyTorch twin (bench/seq2seq_torch.py), seed by seed and
interleaved (Lemma seed 1, PyTorch seed 1, Lemma seed 2, …), and prints each run and the medians as Markdown.

    swift build -c release --product lemma
    python3 bench/seq2seq_results.py configs/metamath-latex.yaml [--seeds 1,2,3] [--set key=value ...] [--paired] [--reuse]

Each seed's Lemma run directory (runs/results/<config>-<arch>-seed<S>) is what the twin reads, so both sides
train on the same split, vocabularies and token ids. BLEU is sacrebleu's on the target tokens joined by
spaces (Lemma's `bleu`), on the test split, greedy decoding; seq2seq accuracy is seed 002's `seq2seq_acc` there; time is the training loop with its evaluations
(Lemma's summary.json `training_seconds`; the twin's own), a whole-loop figure, not a per-step one.

--paired takes the seed's own draws out of the comparison as far as they can be: each seed's twin starts from the
Lemma run's initial weights (a 1-step Lemma run whose learning rate, 1e-30, leaves every weight as it was drawn)
and takes Lemma's batches in Lemma's order. Dropout masks and teacher-forcing coins stay each side's own.
Runs go to runs/results/<config>-<arch>-paired-seed<S>.

--reuse takes a seed's rows from its run directory when an earlier invocation finished it there (evaluation.json,
summary.json and twin.json present, and the run's resolved config.yaml holding this seed and every --set value),
so a long comparison can be finished across sessions; a seed whose Lemma run finished but whose twin did not (no
twin.json) keeps the Lemma run and trains the twin only (not with --paired). Reused rows are marked in the progress lines (the table does not
mark them); the check does not see changes to the config file's other values or to the code since that run.
"""
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
config = args[0]
seeds = [int(s) for s in args[args.index("--seeds") + 1].split(",")] if "--seeds" in args else [1, 2, 3]
overrides = [args[i + 1] for i, a in enumerate(args) if a == "--set"]
paired = "--paired" in args
reuse = "--reuse" in args
arch = next((o.split("=", 1)[1] for o in overrides if o.startswith("model.arch=")), None)
name = os.path.splitext(os.path.basename(config))[0] + (f"-{arch}" if arch else "") + ("-paired" if paired else "")
python = os.path.join(ROOT, "bench/.venv/bin/python")
rows = []


def finished_earlier(run, seed, files=("evaluation.json", "summary.json", "twin.json", "config.yaml")):
    """Whether `run` holds a finished run for this seed and these overrides: the Lemma run and its twin, or
    (files without twin.json) the Lemma run alone."""
    if not all(os.path.exists(os.path.join(run, f)) for f in files):
        return False
    import yaml  # only --reuse needs it
    resolved = yaml.safe_load(open(os.path.join(run, "config.yaml")))
    for key, value in [("train.seed", str(seed))] + [o.split("=", 1) for o in overrides]:
        node = resolved
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        wanted = yaml.safe_load(value)
        try:  # YAML reads 1e-3 as a string, 0.001 as a number
            same = float(node) == float(wanted)
        except (TypeError, ValueError):
            same = node == wanted
        if not same:
            return False
    return True


for seed in seeds:
    run = os.path.join(ROOT, "runs", "results", f"{name}-seed{seed}")
    if reuse and finished_earlier(run, seed):
        evaluation = json.load(open(os.path.join(run, "evaluation.json")))["metrics"]
        summary = json.load(open(os.path.join(run, "summary.json")))
        twin = json.load(open(os.path.join(run, "twin.json")))
        rows.append(("lemma", seed, evaluation["bleu"], evaluation["seq2seq_accuracy"], evaluation["exact_match"], summary["training_seconds"]))
        print(rows[-1], "reused", flush=True)
        rows.append((twin["impl"], seed, twin["bleu"], twin["seq2seq_accuracy"], twin["exact_match"], twin["training_seconds"]))
        print(rows[-1], "reused", flush=True)
        continue
    lemma_done = reuse and not paired and finished_earlier(run, seed, ("evaluation.json", "summary.json", "config.yaml"))
    if not lemma_done:
        subprocess.run(["rm", "-rf", run], check=True)
    command = [os.path.join(ROOT, ".build/release/lemma"), "train", "--config", config, "--set", f"train.seed={seed}"]
    for o in overrides:
        command += ["--set", o]
    pairing = []
    if paired:
        subprocess.run(["rm", "-rf", run + "-init"], check=True)
        subprocess.run(command + ["--output", run + "-init", "--set", "train.learning_rate=1e-30", "--set", "train.max_steps=1",
                                  "--set", "train.eval_steps=1"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        pairing = ["--init", os.path.join(run + "-init", "model.safetensors"), "--lemma-order"]
    if not lemma_done:
        subprocess.run(command + ["--output", run], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    evaluation = json.load(open(os.path.join(run, "evaluation.json")))["metrics"]
    summary = json.load(open(os.path.join(run, "summary.json")))
    rows.append(("lemma", seed, evaluation["bleu"], evaluation["seq2seq_accuracy"], evaluation["exact_match"], summary["training_seconds"]))
    print(rows[-1], "reused" if lemma_done else "", flush=True)
    twin = json.loads(subprocess.run([python, os.path.join(ROOT, "bench/seq2seq_torch.py"), run, "--seed", str(seed), *pairing],
                                     check=True, capture_output=True, text=True).stdout)
    with open(os.path.join(run, "twin.json.tmp"), "w") as f:  # kept beside the run: its validation history and length ratio
        json.dump(twin, f)
    os.replace(os.path.join(run, "twin.json.tmp"), os.path.join(run, "twin.json"))  # whole or absent, for --reuse
    rows.append((twin["impl"], seed, twin["bleu"], twin["seq2seq_accuracy"], twin["exact_match"], twin["training_seconds"]))
    print(rows[-1], flush=True)

print(f"\n| implementation | seed | test BLEU | seq2seq accuracy | exact match | training time |\n|---|---|---|---|---|---|")
for impl, seed, bleu, accuracy, exact, seconds in rows:
    print(f"| {impl} | {seed} | {bleu:.2f} | {100 * accuracy:.1f}% | {100 * exact:.1f}% | {seconds:.0f} s |")
for impl in dict.fromkeys(r[0] for r in rows):
    mine = [r for r in rows if r[0] == impl]
    print(f"| {impl} | median | {statistics.median(r[2] for r in mine):.2f} | {100 * statistics.median(r[3] for r in mine):.1f}% "
          f"| {100 * statistics.median(r[4] for r in mine):.1f}% | {statistics.median(r[5] for r in mine):.0f} s |")
