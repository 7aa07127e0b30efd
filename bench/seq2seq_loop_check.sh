#!/usr/bin/env bash
# Are Lemma's seq2seq training loop and its PyTorch twin's the same loop? Both start from Lemma's initial weights
# (a 1-step Lemma run with learning rate 1e-30, which leaves every weight as drawn) and take Lemma's batches in
# Lemma's sortish order (the twin replays its BatchSampler, bench/lemma_order.py); every step's loss, gradient norm
# and learning rate are printed side by side. The transformer preset at dropout 0 by default: it has no
# teacher-forcing coins and, without dropout, no masks, so nothing random is left that the two sides draw apart
# (the gru presets keep seed 002's dropouts, whose masks each side draws itself).
#
#   bench/seq2seq_loop_check.sh [STEPS] [SEED]     # defaults 30 and 1: about 3 min on 2 cores
#   CONFIG=configs/bible-en-es.yaml SET="model.num_layers=3" bench/seq2seq_loop_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-30}
SEED=${2:-1}
LEMMA=$PWD/.build/release/lemma
PYTHON=${PYTHON:-bench/.venv/bin/python}
RUNS=${RUNS:-runs/seq2seq-loop-check}
CONFIG=${CONFIG:-configs/metamath-latex.yaml}
mkdir -p "$RUNS"
lscpu | grep "Model name"
common=(--config "$CONFIG" --set model.arch=transformer --set model.num_layers=2 --set model.dropout=0 --set train.seed="$SEED")
for setting in ${SET:-}; do common+=(--set "$setting"); done
rm -rf "$RUNS/init" "$RUNS/lemma"
"$LEMMA" train "${common[@]}" --output "$RUNS/init" --set train.learning_rate=1e-30 --set train.max_steps=1 \
    --set train.eval_steps=1 > "$RUNS/init.log" 2>&1
"$LEMMA" train "${common[@]}" --output "$RUNS/lemma" --set train.max_steps="$STEPS" --set train.eval_steps="$STEPS" \
    --set train.logging_steps=1 > "$RUNS/lemma.log" 2>&1
"$PYTHON" bench/seq2seq_torch.py "$RUNS/lemma" --seed "$SEED" --init "$RUNS/init/model.safetensors" --lemma-order \
    --loss-log "$RUNS/twin-steps.jsonl" > "$RUNS/twin.json" 2> "$RUNS/twin.log"
python3 - "$RUNS/lemma/metrics.jsonl" "$RUNS/twin-steps.jsonl" <<'PY'
import json, sys
lemma = {r["step"]: r for r in map(json.loads, open(sys.argv[1])) if "loss" in r and "grad_norm" in r}
twin = [json.loads(line) for line in open(sys.argv[2])]
print("step  loss Lemma  loss twin   |Δ|       grad norm Lemma / twin   learning rate Lemma / twin")
worst = 0.0
for t in twin:
    s = t["step"]
    if s in lemma:
        l = lemma[s]
        worst = max(worst, abs(l["loss"] - t["loss"]))
        if s <= 5 or s % 5 == 0:
            print(f"{s:4d}  {l['loss']:.5f}    {t['loss']:.5f}    {abs(l['loss'] - t['loss']):.5f}   "
                  f"{l['grad_norm']:.4f} / {t['grad_norm']:.4f}          {l['learning_rate']:.3g} / {t['learning_rate']:.3g}")
print(f"largest loss difference over {len(twin)} steps: {worst:.5f}")
PY
