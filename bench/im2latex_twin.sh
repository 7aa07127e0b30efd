#!/usr/bin/env bash
# The im2latex results table's comparison: Lemma's run of configs/im2latex.yaml against its PyTorch twin
# (bench/im2latex_twin.py: the same prepared images, vocabulary, sizes, recipe and steps), over three seeds,
# interleaved (Lemma seed 1, twin seed 1, Lemma seed 2, …), each scored on the test split decoded with beam 5.
# Prints each run's metrics as JSON lines (bench/results/im2latex_twin.jsonl) and the medians.
#
#   bench/im2latex_twin.sh [STEPS] [SEEDS]     # defaults 1500 and "1 2 3": about 80 min on 2 cores
#   SET="train.learning_rate=0.01 …" changes the recipe of both sides (the twin reads the Lemma run's config).
#   PAIRED=1 starts each seed's twin from the Lemma run's own initial weights (a 1-step Lemma run: the first
#   step's learning rate is 0) and has it take Lemma's batches in Lemma's order (bench/loop_check.sh's
#   design), so that a seed's pair differs only by the implementations, not by the draws the seed makes.
#   REUSE=1 keeps a seed's finished Lemma run (and its 1-step init run) of the same length instead of training
#   it again (Lemma's runs are deterministic), and the finished twin beside it. It also continues what a
#   session's end stopped: an unfinished Lemma run from its last checkpoint, a twin from its own snapshot
#   (every 250 steps).
#   LEMMA_ONLY=1 trains (or keeps) each seed's Lemma side and stops there; a later REUSE=1 run adds the twin.
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-1500}
SEEDS=${2:-1 2 3}
LEMMA=$PWD/.build/release/lemma
PYTHON=${PYTHON:-bench/.venv/bin/python}
OUT=${OUT:-bench/results/im2latex_twin.jsonl}
RUNS=${RUNS:-runs/im2latex-twin}
OVERRIDES=()
for setting in ${SET:-}; do OVERRIDES+=(--set "$setting"); done
mkdir -p "$(dirname "$OUT")" "$RUNS"
: > "$OUT"
lscpu | grep "Model name" | sed 's/^/# /' | tee -a "$OUT"
# The data is prepared once (rendering on first use) and adopted by every Lemma run; the twin reads the run's copy.
[ -d "$RUNS/prepared" ] || "$LEMMA" prepare --config configs/im2latex.yaml --output "$RUNS/prepared"
for seed in $SEEDS; do
    run="$RUNS/lemma-$seed"
    reuse=0
    if [ "${REUSE:-0}" = 1 ] && [ -f "$run/evaluation.json" ] \
        && python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["steps"] != int(sys.argv[2]))' "$run/summary.json" "$STEPS"; then
        reuse=1
        [ "${PAIRED:-0}" = 1 ] && [ ! -f "$run-init/model.safetensors" ] && reuse=0
    fi
    # An unfinished Lemma run of the same length (stopped by a session's end) continues from its last checkpoint:
    # resuming is bit-identical, so the result is the uninterrupted run's.
    unfinished=0
    if [ "${REUSE:-0}" = 1 ] && [ $reuse = 0 ] && [ -d "$run/checkpoints" ] && [ ! -f "$run/evaluation.json" ] \
        && grep -q "^  max_steps: $STEPS\$" "$run/config.yaml" && { [ "${PAIRED:-0}" = 0 ] || [ -f "$run-init/model.safetensors" ]; }; then
        unfinished=1
        echo "# seed $seed: continuing the unfinished Lemma run $run" | tee -a "$OUT"
        "$LEMMA" train --resume "$run" >> "$run.log" 2>&1 || { tail -5 "$run.log" >&2; exit 1; }
        reuse=1
    fi
    [ $reuse = 1 ] && [ $unfinished = 0 ] && echo "# seed $seed: reusing the finished Lemma run $run" | tee -a "$OUT"
    [ $reuse = 1 ] || rm -rf "$run"
    PAIRING=()
    if [ "${PAIRED:-0}" = 1 ]; then
        [ $reuse = 1 ] || rm -rf "$run-init"
        [ $reuse = 1 ] || "$LEMMA" train --config configs/im2latex.yaml --output "$run-init" --set data.prepared="$RUNS/prepared" \
            --set train.seed="$seed" --set train.max_steps=1 --set train.eval_steps=1 --set decoding.max_length=3 \
            ${OVERRIDES[@]+"${OVERRIDES[@]}"} > "$run-init.log" 2>&1 || { tail -5 "$run-init.log" >&2; exit 1; }
        PAIRING=(--init "$run-init/model.safetensors" --lemma-order)
    fi
    [ $reuse = 1 ] || "$LEMMA" train --config configs/im2latex.yaml --output "$run" --set data.prepared="$RUNS/prepared" \
        --set train.seed="$seed" --set train.max_steps="$STEPS" --set train.eval_steps="$STEPS" --set train.save_steps=500 ${OVERRIDES[@]+"${OVERRIDES[@]}"} > "$run.log" 2>&1 \
        || { tail -5 "$run.log" >&2; exit 1; }
    python3 - "$run" "$seed" <<'PY' | tee -a "$OUT"
import json, sys
run, seed = sys.argv[1], int(sys.argv[2])
metrics = json.load(open(f"{run}/evaluation.json"))["metrics"]
summary = json.load(open(f"{run}/summary.json"))
print(json.dumps({"impl": "lemma", "seed": seed, "steps": summary["steps"], "training_seconds": summary["training_seconds"],
                  **{k: metrics[k] for k in ("bleu", "edit_distance", "exact_match", "image_match", "image_match_ws")}}))
PY
    [ "${LEMMA_ONLY:-0}" = 1 ] && continue
    # The twin, then its trained weights scored by `lemma eval` as if they were the run's (the same beam search,
    # which reproduces the twin's own decoding exactly) for the image metrics the twin does not compute.
    # Its snapshot ($twin.state.pt, every 250 steps) lets REUSE=1 continue a twin stopped part-way.
    twin="$run-twin"
    if [ "${REUSE:-0}" = 1 ] && [ $reuse = 1 ] && [ -s "$twin.json" ] && [ -s "$twin.eval.json" ] && [ -f "$twin/model.safetensors" ]; then
        echo "# seed $seed: reusing the finished twin $twin" | tee -a "$OUT"
    else
        rm -rf "$twin" && mkdir -p "$twin"
        [ "${REUSE:-0}" = 1 ] && [ $reuse = 1 ] || rm -f "$twin.state.pt"
        [ -f "$twin.state.pt" ] || : > "$twin.log"
        "$PYTHON" bench/im2latex_twin.py "$run" --seed "$seed" --save "$twin/model.safetensors" --checkpoint "$twin.state.pt" \
            --loss-log "$twin.steps.jsonl" ${PAIRING[@]+"${PAIRING[@]}"} > "$twin.json" 2>> "$twin.log" || { tail -5 "$twin.log" >&2; exit 1; }
        rm -f "$twin.state.pt"
        cp "$run/config.yaml" "$twin/" && ln -s "$PWD/$run/data" "$twin/data"
        "$LEMMA" eval --run "$twin" --data test --json > "$twin.eval.json.tmp" && mv "$twin.eval.json.tmp" "$twin.eval.json"
    fi
    python3 - "$twin.json" "$twin.eval.json" <<'PY' | tee -a "$OUT"
import json, sys
row, scored = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
row.update({f"lemma_eval_{k}": scored[k] for k in ("bleu", "edit_distance", "exact_match")})
row.update({k: scored[k] for k in ("image_edit_distance", "image_match", "image_match_ws")})
print(json.dumps(row))
PY
done
python3 - "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
for impl in ("lemma", "torch"):
    mine = [r for r in rows if r["impl"] == "lemma"] if impl == "lemma" else [r for r in rows if r["impl"] != "lemma"]
    if mine:
        print(impl, {k: round(statistics.median(r[k] for r in mine), 4) for k in ("bleu", "edit_distance", "exact_match", "training_seconds")},
              "over seeds", [r["seed"] for r in mine])
PY
