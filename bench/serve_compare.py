#!/usr/bin/env python3
"""Medians and ratios of bench/serve_bench.sh's results (one JSON line per server, workload and client count)."""
import json
import statistics
import sys
from collections import defaultdict

rows = defaultdict(list)
cpu = ""
for line in open(sys.argv[1] if len(sys.argv) > 1 else "bench/results/serve.jsonl"):
    if line.startswith("# Model name"):
        cpu = line.split(":", 1)[1].strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    rows[(r["workload"], r["clients"], r["label"])].append(r)


def median(workload, clients, label, key):
    values = [r[key] for r in rows.get((workload, clients, label), []) if r.get(key) is not None]
    return statistics.median(values) if values else float("nan")


PEERS = ("peer", "peer-1t")


def best_peer(workload, clients, key):
    """The peer configuration with the higher median throughput for this row."""
    found = [(median(workload, clients, label, key), label) for label in PEERS if rows.get((workload, clients, label))]
    return max(found)[1] if found else "peer"


print(f"CPU: {cpu}; medians of {max((len(v) for v in rows.values()), default=0)} interleaved rounds")
print("peer: the faster of PyTorch on 2 threads (peer) and on 1 (peer-1t) for each row")
print(f"{'workload':10} {'clients':>7}  {'lemma':>10} {'peer':>10} {'ratio':>6}   {'p99 ms lemma':>12} {'peer':>8}   {'best peer':>9}  other peer   errors")
for workload, unit, key in [("classify", "req/s", "requests_per_s"), ("embed", "req/s", "requests_per_s"), ("complete", "tok/s", "tokens_per_s")]:
    for clients in sorted({c for (w, c, _) in rows if w == workload}):
        peer = best_peer(workload, clients, key)
        other = [label for label in PEERS if label != peer and rows.get((workload, clients, label))]
        ours, theirs = median(workload, clients, "lemma", key), median(workload, clients, peer, key)
        p99 = "ttft_p99_ms" if workload == "complete" else "p99_ms"
        errors = sum(r["errors"] for label in ("lemma",) + PEERS for r in rows.get((workload, clients, label), []))
        other_text = f"{median(workload, clients, other[0], key):.1f}" if other else "-"
        print(f"{workload:10} {clients:>7}  {ours:>10.1f} {theirs:>10.1f} {ours / theirs:>5.2f}×   "
              f"{median(workload, clients, 'lemma', p99):>12.1f} {median(workload, clients, peer, p99):>8.1f}   {peer:>9}  {other_text:>10}   {errors}"
              f"  ({unit}{', p99 = TTFT' if workload == 'complete' else ''})")
        if workload == "complete":
            print(f"{'':10} {'':>7}  ITL p50 ms {median(workload, clients, 'lemma', 'itl_p50_ms'):.2f} vs {median(workload, clients, peer, 'itl_p50_ms'):.2f}; "
                  f"TTFT p50 ms {median(workload, clients, 'lemma', 'ttft_p50_ms'):.1f} vs {median(workload, clients, peer, 'ttft_p50_ms'):.1f}")
