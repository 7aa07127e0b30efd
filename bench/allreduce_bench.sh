#!/usr/bin/env bash
# All-reduce bandwidth of Lemma's MPI communicator against MPI's own MPI_Allreduce (bench/mpi_allreduce.c,
# timed as OSU's osu_allreduce), 2 ranks on this machine, same sizes; rounds interleaved, medians per size.
#   bench/allreduce_bench.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
OUT=${OUT:-bench/results/allreduce.jsonl}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpicc -O2 bench/mpi_allreduce.c -o /tmp/lemma_mpi_allreduce
mkdir -p "$(dirname "$OUT")"
: > "$OUT"
lscpu | grep "Model name" | sed 's/^/# /' | tee -a "$OUT"
for round in $(seq 1 "$ROUNDS"); do
    mpirun -np 2 --oversubscribe -x OMP_NUM_THREADS=1 .build/release/lemma-bench allreduce | tee -a "$OUT"
    mpirun -np 2 --oversubscribe /tmp/lemma_mpi_allreduce | tee -a "$OUT"
done
python3 - "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(f"{'bytes':>10} {'lemma GB/s':>11} {'MPI GB/s':>9} {'ratio':>6}")
for size in sorted({r["bytes"] for r in rows}):
    m = {label: statistics.median(r["bus_gb_per_s"] for r in rows if r["bytes"] == size and r["label"] == label) for label in ("lemma", "mpi")}
    print(f"{size:>10} {m['lemma']:>11.3f} {m['mpi']:>9.3f} {m['lemma'] / m['mpi']:>5.2f}×")
PY
