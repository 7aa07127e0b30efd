#!/usr/bin/env bash
# Are Lemma's im2latex training loop and its PyTorch twin's the same loop? Both start from Lemma's initial
# weights (a 1-step Lemma run: the first step's learning rate is 0, so its model is the initialization) and take
# Lemma's batches in Lemma's order (the twin replays its BatchSampler), then every step's loss, gradient norm and
# learning rate are printed side by side. Equal loops agree to float rounding for the first steps and drift
# apart only slowly (chaos, not a different recipe).
#
#   bench/im2latex_loop_check.sh [STEPS] [SEED]     # defaults 300 and 1: about 5 min on 2 cores
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-300}
SEED=${2:-1}
LEMMA=$PWD/.build/release/lemma
PYTHON=${PYTHON:-bench/.venv/bin/python}
RUNS=${RUNS:-runs/loop-check}
PREPARED=${PREPARED:-runs/im2latex-twin/prepared}
mkdir -p "$RUNS"
[ -d "$PREPARED" ] || "$LEMMA" prepare --config configs/im2latex.yaml --output "$PREPARED"
lscpu | grep "Model name"
# decoding.max_length 3: the end-of-run test decoding is not what is compared, so keep it short.
common=(--config configs/im2latex.yaml --set data.prepared="$PREPARED" --set train.seed="$SEED" --set decoding.max_length=3)
rm -rf "$RUNS/init" "$RUNS/lemma"
"$LEMMA" train "${common[@]}" --output "$RUNS/init" --set train.max_steps=1 --set train.eval_steps=1 > "$RUNS/init.log" 2>&1
"$LEMMA" train "${common[@]}" --output "$RUNS/lemma" --set train.max_steps="$STEPS" --set train.eval_steps="$STEPS" \
    --set train.logging_steps=1 > "$RUNS/lemma.log" 2>&1
"$PYTHON" bench/im2latex_twin.py "$RUNS/lemma" --seed "$SEED" --max-steps "$STEPS" --init "$RUNS/init/model.safetensors" \
    --lemma-order --loss-log "$RUNS/twin-steps.jsonl" > "$RUNS/twin.json" 2> "$RUNS/twin.log"
python3 - "$RUNS/lemma/metrics.jsonl" "$RUNS/twin-steps.jsonl" <<'PY'
import json, sys
lemma = {r["step"]: r for r in map(json.loads, open(sys.argv[1])) if "loss" in r and "grad_norm" in r}
twin = [json.loads(line) for line in open(sys.argv[2])]
print("step  loss Lemma  loss twin   |Δ|       grad norm Lemma / twin   learning rate")
for t in twin:
    s = t["step"]
    if s in lemma and (s <= 5 or s % 25 == 0):
        l = lemma[s]
        print(f"{s:4d}  {l['loss']:.5f}    {t['loss']:.5f}    {abs(l['loss'] - t['loss']):.5f}   "
              f"{l['grad_norm']:.4f} / {t['grad_norm']:.4f}          {t['learning_rate']:.3g}")
PY
