#!/usr/bin/env python3
"""Whole `lemma train` against the PyTorch twin's training loop at seed 002's sizes, on real data.

    swift build -c release --product lemma
    python3 bench/seq2seq_train_speed.py [--rounds 2] [--steps 200] [--config configs/bible-en-es.yaml]
                                         [--twins "pypi flush SPIN"] [--arch transformer] [--full]

Seed 002's model (`model.arch=gru`: 300-d embeddings on both sides, encoder 2×GRU 256, decoder 2×GRU 300, the
output layer tied to the decoder embedding, applied at every step as the seed does), batch 64, on the config's
data (bible-en-es: 6,866 English and 10,774 Spanish vocabulary entries, words seen at least twice). Each round runs
`lemma train` (timed by the process's wall clock and by its summary.json `training_seconds`), then the twin
(bench/seq2seq_torch.py) on that run directory without and with `torch.set_flush_denormal(True)`, and with
flushing and the `GOMP_SPINCOUNT=10000` Lemma sets for its own OpenMP threads (the fastest PyTorch configuration
of the seed002-gru step benchmark); rounds
alternate, and the table gives medians. The twin's figure is its training loop (evaluations included, as
Lemma's `training_seconds`); Lemma's process time adds start-up, data preparation and the test evaluation.
--twins keeps the PyTorch configurations named (comma-separated: "pypi", "pypi flush", "pypi flush SPIN").
--arch transformer times the transformer preset instead, at the sizes of RESULTS.md's bible-en-es rows (2 layers,
4 heads, d 128, feed-forward 512, learning rate 1e-3) and the config's batch size.
--full trains the config's own length (its epochs, its evaluation interval, teacher forcing fading out as it
does) instead of `--steps` steps: the whole run a user makes, which the short rounds do not show.
"""
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 2
steps = int(args[args.index("--steps") + 1]) if "--steps" in args else 200
config = args[args.index("--config") + 1] if "--config" in args else "configs/bible-en-es.yaml"
arch = args[args.index("--arch") + 1] if "--arch" in args else "gru"
full = "--full" in args
if arch == "gru":
    sizes = ["model.arch=gru", "model.embedding_dim=300", "model.target_embedding_dim=300", "model.hidden_size=256",
             "model.num_layers=2", "train.batch_size=64"]
elif arch == "transformer":
    sizes = ["model.arch=transformer", "model.num_layers=2", "train.learning_rate=0.001"]
else:
    raise SystemExit(f"--arch: expected gru or transformer, got {arch!r}")
if not full:
    sizes += [f"train.max_steps={steps}", f"train.eval_steps={steps}"]
python = os.path.join(ROOT, "bench/.venv/bin/python")
results = {"lemma (whole process)": [], "lemma (training loop)": [], "torch 2.15 (pypi)": [], "torch 2.15 (pypi flush)": [],
           "torch 2.15 (pypi flush SPIN)": []}
twins = {"torch 2.15 (pypi)": ([], {}), "torch 2.15 (pypi flush)": (["--flush"], {}),
         "torch 2.15 (pypi flush SPIN)": (["--flush"], {"GOMP_SPINCOUNT": "10000"})}
if "--twins" in args:
    kept = {f"torch 2.15 ({name.strip()})" for name in args[args.index("--twins") + 1].split(",")}
    unknown = kept - set(twins)
    if unknown:
        raise SystemExit(f"--twins: no configuration {sorted(unknown)}; there are {sorted(twins)}")
    twins = {k: v for k, v in twins.items() if k in kept}
    results = {k: v for k, v in results.items() if k.startswith("lemma") or k in kept}
run = os.path.join(ROOT, "runs", "speed", "seed002-sizes" if arch == "gru" else "transformer")
for r in range(rounds):
    subprocess.run(["rm", "-rf", run], check=True)
    command = [os.path.join(ROOT, ".build/release/lemma"), "train", "--config", config, "--output", run]
    for s in sizes:
        command += ["--set", s]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    results["lemma (whole process)"].append(time.perf_counter() - start)
    summary = json.load(open(os.path.join(run, "summary.json")))
    results["lemma (training loop)"].append(summary["training_seconds"])
    if full:
        steps = summary["steps"]
    for name, (flags, environment) in twins.items():
        out = subprocess.run([python, os.path.join(ROOT, "bench/seq2seq_torch.py"), run] + flags, env={**os.environ, **environment},
                             check=True, capture_output=True, text=True).stdout
        twin = json.loads(out)
        assert twin["steps"] == steps, twin
        results[name].append(twin["training_seconds"])
    print(f"round {r + 1}:", {k: round(v[-1], 1) for k, v in results.items()}, flush=True)

best = min(statistics.median(results[k]) for k in results if k.startswith("torch"))
length = f"whole run ({steps} steps)" if full else f"{steps} steps"
kind = "the config's own length" if full else "short rounds"
print(f"\n{arch}, {kind}")
print(f"\n| implementation | {length}, median of {rounds} rounds | steps/s | vs fastest PyTorch loop |\n|---|---|---|---|")
for name, values in results.items():
    median = statistics.median(values)
    print(f"| {name} | {median:.1f} s | {steps / median:.2f} | {best / median:.2f}× |")
