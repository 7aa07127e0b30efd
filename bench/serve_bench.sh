#!/usr/bin/env bash
# `lemma serve` against its Python peer (bench/serve_peer.py: FastAPI + uvicorn + PyTorch) serving the same
# weights on this machine, loopback only. Rounds interleave the two servers; each round starts one server,
# drives it with lemma-bench serve-load (closed loop at 1, 8 and 32 clients for the classifier and the
# embedder; 1 and 8 concurrent streams for GPT-2), stops it, then does the same for the peer, once with
# PyTorch on two threads and once on one.
# bench/serve_compare.py prints the medians and ratios.
#
#   bench/serve_bench.sh [ROUNDS]      # needs: runs/metamath (the main job), assets/minilm
#                                      # (scripts/fetch_assets.py minilm), a GPT-2 run in $GPT2_RUN exported
#                                      # to $GPT2_HF (lemma export), bench/.venv with torch, transformers,
#                                      # fastapi, uvicorn
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
CLASSIFIER=${CLASSIFIER:-runs/metamath}
EMBEDDER=${EMBEDDER:-assets/minilm}
GPT2_RUN=${GPT2_RUN:-runs/metamath-gpt2}
GPT2_HF=${GPT2_HF:-assets/hf-metamath-gpt2}
if [[ ! -f "$GPT2_HF/config.json" ]]; then .build/release/lemma export --run "$GPT2_RUN" --output "$GPT2_HF"; fi
# transformers' tokenizer reads vocab.json and merges.txt (GPT-2's, as in ../shared/data/gpt2-tokenizer).
for pair in encoder.json:vocab.json vocab.bpe:merges.txt; do
    if [[ ! -f "$GPT2_HF/${pair#*:}" ]]; then cp "${GPT2_TOKENIZER:-../shared/data/gpt2-tokenizer}/${pair%%:*}" "$GPT2_HF/${pair#*:}"; fi
done
OUT=${OUT:-bench/results/serve.jsonl}
LEMMA=.build/release/lemma
BENCH=.build/release/lemma-bench
PY=bench/.venv/bin/python
mkdir -p "$(dirname "$OUT")"
: > "$OUT"
lscpu | grep "Model name" | sed 's/^/# /' | tee -a "$OUT"

wait_ready() {
    for _ in $(seq 1 600); do
        if curl -sf "http://127.0.0.1:$1/health" > /dev/null; then return 0; fi
        sleep 0.2
    done
    echo "server on port $1 did not become ready" >&2
    return 1
}

load() {  # label port
    $BENCH serve-load --url "http://127.0.0.1:$2" --workload classify --clients 1,8,32 --requests 1500 --seconds 20 --label "$1" | tee -a "$OUT"
    $BENCH serve-load --url "http://127.0.0.1:$2" --workload embed --clients 1,8,32 --requests 600 --seconds 20 --label "$1" | tee -a "$OUT"
    $BENCH serve-load --url "http://127.0.0.1:$2" --workload complete --clients 1,8 --requests 24 --seconds 60 --max-tokens 64 \
        --texts data/metamath-proofs/test.jsonl --label "$1" | tee -a "$OUT"
}

for round in $(seq 1 "$ROUNDS"); do
    echo "# round $round" | tee -a "$OUT"
    $LEMMA serve --run "$CLASSIFIER" --model "$EMBEDDER" --run "$GPT2_RUN" --port 8180 2> /tmp/lemma-serve-bench.log &
    server=$!
    wait_ready 8180 && load lemma 8180
    kill -TERM $server; wait $server || true

    # The peer with PyTorch on both cores ("peer") and on one ("peer-1t"); the comparison takes the faster.
    for threads in 2 1; do
        label=peer; [[ $threads == 1 ]] && label=peer-1t
        $PY bench/serve_peer.py --port 8181 --threads $threads --classifier "$CLASSIFIER" --embedder "$EMBEDDER" --gpt2 "$GPT2_HF" 2> /tmp/peer-serve-bench.log &
        server=$!
        wait_ready 8181 && load $label 8181
        kill -TERM $server; wait $server || true
    done
done
$PY bench/serve_compare.py "$OUT"
