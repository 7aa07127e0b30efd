#!/usr/bin/env bash
# Do Lemma and its PyTorch twin learn alike from the same mid-run state? A Lemma im2latex run trained with
# logging_steps=1 and checkpoints every few hundred steps is the reference trajectory. From each chosen checkpoint
# the twin continues (bench/im2latex_twin.py --resume: Lemma's weights, Adam state, schedule and batch order) for
# SPAN steps, and so does Lemma with oneDNN's direct convolutions instead of its Winograd ones
# (LEMMA_CONV_ALGORITHM=direct), a control that differs from the reference by rounding alone. The table gives each
# continuation's loss difference from the reference over the first steps and its mean loss over the span: if the
# twin only drifts by rounding, it should stray no faster than the control and not sit lower or higher on average
# over several starting points.
#
#   RUN=runs/im2latex-midrun/lemma-2 SEED=2 bench/im2latex_midrun.sh 1000 1500 2000   # about 8 min per start
#
# The reference run (about 45 min on two idle cores):
#   lemma train --config configs/im2latex.yaml --set train.seed=2 --set train.logging_steps=1 \
#       --set train.eval_steps=500 --set train.save_total_limit=20 --output runs/im2latex-midrun/lemma-2
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:?"RUN=<run directory with checkpoints> SEED=<its seed> bench/im2latex_midrun.sh START ..."}
SEED=${SEED:?"SEED=<the run's train.seed>"}
SPAN=${SPAN:-500}
OUT=${OUT:-$RUN-midrun}
LEMMA=$PWD/.build/release/lemma
PYTHON=${PYTHON:-bench/.venv/bin/python}
[ $# -gt 0 ] || { echo "bench/im2latex_midrun.sh: give the checkpoint steps to start from" >&2; exit 2; }
mkdir -p "$OUT"
lscpu | grep "Model name"
for start in "$@"; do
    checkpoint=$RUN/checkpoints/checkpoint-$(printf %08d "$start")
    [ -d "$checkpoint" ] || { echo "bench/im2latex_midrun.sh: $checkpoint does not exist" >&2; exit 1; }
    stop=$((start + SPAN))
    "$PYTHON" bench/im2latex_twin.py "$RUN" --seed "$SEED" --resume "$checkpoint" --stop-at "$stop" \
        --loss-log "$OUT/twin-$start.jsonl" > "$OUT/twin-$start.json" 2> "$OUT/twin-$start.log"
    # The control: a copy of the run holding only this checkpoint, resumed with the direct convolutions and
    # stopped once its metrics log reaches the span's last step.
    control=$OUT/direct-$start
    rm -rf "$control" && mkdir -p "$control/checkpoints"
    cp "$RUN/config.yaml" "$control/" && ln -s "$(realpath "$RUN/data")" "$control/data"
    cp -r "$checkpoint" "$control/checkpoints/"
    LEMMA_CONV_ALGORITHM=direct "$LEMMA" train --resume "$control" > "$OUT/direct-$start.log" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2> /dev/null && ! grep -q "\"step\": $stop," "$control/metrics.jsonl" 2> /dev/null; do sleep 1; done
    kill -KILL "$pid" 2> /dev/null || true   # (SIGTERM would validate and snapshot first: seed 003's meaning)
    wait "$pid" 2> /dev/null || true
done
python3 - "$RUN/metrics.jsonl" "$OUT" "$SPAN" "$@" <<'PY'
import json, sys
reference = {r["step"]: r["loss"] for r in map(json.loads, open(sys.argv[1])) if "loss" in r and "grad_norm" in r}
out, span, starts = sys.argv[2], int(sys.argv[3]), [int(s) for s in sys.argv[4:]]

def losses(path):
    return {r["step"]: r["loss"] for r in map(json.loads, open(path)) if "loss" in r and "grad_norm" in r}

print("start  continuation      |Δloss| vs reference at +1 / +25 / +50 / +100   mean loss over the span (reference's)")
for start in starts:
    steps = range(start + 1, start + span + 1)
    mean_reference = sum(reference[s] for s in steps) / span
    for name, path in [("twin", f"{out}/twin-{start}.jsonl"), ("Lemma direct conv", f"{out}/direct-{start}/metrics.jsonl")]:
        other = losses(path)
        if not all(s in other for s in steps):
            print(f"{start:5d}  {name:17s} incomplete ({len([s for s in steps if s in other])} of {span} steps)")
            continue
        gaps = " / ".join(f"{abs(other[start + k] - reference[start + k]):.5f}" for k in (1, 25, 50, 100) if k <= span)
        mean = sum(other[s] for s in steps) / span
        print(f"{start:5d}  {name:17s} {gaps}      {mean:.4f} ({mean_reference:.4f}, Δ {mean - mean_reference:+.4f})")
PY
