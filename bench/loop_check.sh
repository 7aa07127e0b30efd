#!/usr/bin/env bash
# Are Lemma's training loop and its PyTorch twin's the same loop? Both start from Lemma's initial weights (a 1-step
# Lemma run that moves no weight: im2latex's warm-up makes the first learning rate 0, seq2seq's one-cycle is given
# a learning rate of 1e-30) and take Lemma's batches in Lemma's order (the twin replays its BatchSampler,
# bench/lemma_order.py); every step's loss, gradient norm and learning rate are printed side by side. Equal loops
# agree to float rounding for the first steps and drift apart only slowly (chaos, not a different recipe).
#
#   bench/loop_check.sh im2latex [STEPS] [SEED]   # configs/im2latex.yaml; defaults 300 and 1: about 5 min on 2 cores
#   bench/loop_check.sh seq2seq [STEPS] [SEED]    # configs/metamath-latex.yaml's transformer at dropout 0 (nothing
#                                                 # random left to draw apart: no dropout masks, no teacher-forcing
#                                                 # coins); defaults 30 and 1: about 3 min
#   CONFIG=configs/bible-en-es.yaml SET="model.num_layers=3" bench/loop_check.sh seq2seq
set -euo pipefail
cd "$(dirname "$0")/.."
TASK=${1:?"bench/loop_check.sh im2latex|seq2seq [STEPS] [SEED]"}
LEMMA=$PWD/.build/release/lemma
PYTHON=${PYTHON:-bench/.venv/bin/python}
RUNS=${RUNS:-runs/loop-check-$TASK}
mkdir -p "$RUNS"
lscpu | grep "Model name"
case "$TASK" in
    im2latex)
        STEPS=${2:-300}; SEED=${3:-1}
        PREPARED=${PREPARED:-runs/im2latex-twin/prepared}
        [ -d "$PREPARED" ] || "$LEMMA" prepare --config configs/im2latex.yaml --output "$PREPARED"
        # decoding.max_length 3: the end-of-run test decoding is not what is compared, so keep it short.
        common=(--config configs/im2latex.yaml --set data.prepared="$PREPARED" --set decoding.max_length=3)
        initial=()
        twin=(bench/im2latex_twin.py --max-steps "$STEPS");;
    seq2seq)
        STEPS=${2:-30}; SEED=${3:-1}
        common=(--config "${CONFIG:-configs/metamath-latex.yaml}" --set model.arch=transformer --set model.num_layers=2
                --set model.dropout=0)
        initial=(--set train.learning_rate=1e-30)
        twin=(bench/seq2seq_torch.py);;
    *) echo "bench/loop_check.sh: the task is im2latex or seq2seq, not '$TASK'" >&2; exit 2;;
esac
common+=(--set train.seed="$SEED")
for setting in ${SET:-}; do common+=(--set "$setting"); done
rm -rf "$RUNS/init" "$RUNS/lemma"
"$LEMMA" train "${common[@]}" ${initial[@]+"${initial[@]}"} --output "$RUNS/init" --set train.max_steps=1 \
    --set train.eval_steps=1 > "$RUNS/init.log" 2>&1
"$LEMMA" train "${common[@]}" --output "$RUNS/lemma" --set train.max_steps="$STEPS" --set train.eval_steps="$STEPS" \
    --set train.logging_steps=1 > "$RUNS/lemma.log" 2>&1
"$PYTHON" "${twin[0]}" "$RUNS/lemma" --seed "$SEED" "${twin[@]:1}" --init "$RUNS/init/model.safetensors" --lemma-order \
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
        if s <= 5 or s % (5 if len(twin) <= 50 else 25) == 0:
            print(f"{s:4d}  {l['loss']:.5f}    {t['loss']:.5f}    {abs(l['loss'] - t['loss']):.5f}   "
                  f"{l['grad_norm']:.4f} / {t['grad_norm']:.4f}          {l['learning_rate']:.3g} / {t['learning_rate']:.3g}")
print(f"largest loss difference over {len(twin)} steps: {worst:.5f}")
PY
