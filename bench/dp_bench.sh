#!/usr/bin/env bash
# Data-parallel training throughput: `mpirun -np 2 lemma train` (2 ranks × 1 thread) against one process with
# 1 thread and with 2 threads, on the GPT-2 and BiLSTM workloads, interleaved rounds, medians.
# Throughput is examples/s over the optimizer steps alone (summary.json: steps × global batch / step_seconds,
# which leaves out the final evaluation and checkpoint). Whole `lemma train` processes; the same global batch
# everywhere. Workloads: GPT-2 16M; the BiLSTM stack (128-64-64) at batch 32 with 64-d embeddings and at seed
# 000's batch 128 with 300-d embeddings.
#
#   bench/dp_bench.sh [ROUNDS]        # about 10 min for 3 rounds
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
LEMMA=$PWD/.build/release/lemma
OUT=${OUT:-bench/results/dp.jsonl}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$(dirname "$OUT")"
: > "$OUT"
lscpu | grep "Model name" | sed 's/^/# /' | tee -a "$OUT"
head -20 data/metamath-proofs/test.jsonl > "$TMP/lm-test.jsonl"
head -50 data/metamath/test.jsonl > "$TMP/cls-test.jsonl"

# workload: name, config, overrides
gpt2=(configs/metamath-gpt2.yaml --set train.max_steps=24 --set train.eval_steps=100000 --set train.sample_steps=100000
      --set data.valid_fraction=0.001 --set data.test="$TMP/lm-test.jsonl" --set train.logging_steps=4)
bilstm=(configs/metamath.yaml --set model.arch=bilstm --set train.max_steps=60 --set train.eval_steps=100000
        --set data.test="$TMP/cls-test.jsonl" --set train.early_stopping_patience=100)
bilstm128=("${bilstm[@]}" --set train.batch_size=128 --set model.embedding_dim=300 --set train.max_steps=24)

measure() {  # label workload command...
    local label=$1 workload=$2; shift 2
    local run="$TMP/run-$label-$workload"
    rm -rf "$run"
    "$@" --output "$run" > "$TMP/log" 2>&1 || { tail -5 "$TMP/log" >&2; return 1; }
    python3 - "$run" "$label" "$workload" <<'PY' | tee -a "$OUT"
import json, sys, yaml
run, label, workload = sys.argv[1:4]
summary = json.load(open(f"{run}/summary.json"))
config = yaml.safe_load(open(f"{run}/config.yaml"))
batch = config["train"]["batch_size"]
print(json.dumps({"label": label, "workload": workload, "steps": summary["steps"], "batch": batch,
                  "seconds": round(summary["step_seconds"], 3),
                  "examples_per_s": round(summary["steps"] * batch / summary["step_seconds"], 2)}))
PY
}

for round in $(seq 1 "$ROUNDS"); do
    echo "# round $round" | tee -a "$OUT"
    for workload in gpt2 bilstm bilstm128; do
        declare -n args=$workload
        OMP_NUM_THREADS=1 measure "1x1" $workload "$LEMMA" train --config "${args[@]}"
        OMP_NUM_THREADS=2 measure "1x2" $workload "$LEMMA" train --config "${args[@]}"
        measure "2x1" $workload mpirun -np 2 --oversubscribe -x OMP_NUM_THREADS=1 "$LEMMA" train --config "${args[@]}"
    done
done
python3 - "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for workload in ["gpt2", "bilstm", "bilstm128"]:
    m = {label: statistics.median(r["examples_per_s"] for r in rows if r["workload"] == workload and r["label"] == label)
         for label in ["1x1", "1x2", "2x1"]}
    print(f"{workload}: 1 process × 1 thread {m['1x1']:.1f}/s, 1 × 2 threads {m['1x2']:.1f}/s, 2 ranks × 1 thread {m['2x1']:.1f}/s; "
          f"2×1 / 1×1 = {m['2x1'] / m['1x1']:.2f}×, 2×1 / 1×2 = {m['2x1'] / m['1x2']:.2f}×")
PY
