#!/usr/bin/env python3
"""Peak memory and speed of preparing a language-model corpus (GPT-2 BPE into a memory-mapped token stream)
from 10 MB to 1 GB, as one text file and as JSON Lines, each size a separate `lemma-bench lm-encode` process.

    swift build -c release --product lemma-bench
    python3 scripts/make_lm_dataset.py
    python3 bench/lm_corpus_bench.py [--sizes 10,100,1000]

Corpora are the real Metamath proof documents (data/metamath-proofs/train.jsonl) repeated, each copy's
documents in a fresh seeded order, to the size asked; written to /tmp and removed afterwards.
"""
import json
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
sizes = [int(s) for s in args[args.index("--sizes") + 1].split(",")] if "--sizes" in args else [10, 100, 1000]
documents = [json.loads(line)["text"] for line in open(os.path.join(ROOT, "data/metamath-proofs/train.jsonl"), encoding="utf-8")]
rows = []
for megabytes in sizes:
    for kind in ("txt", "jsonl"):
        path = f"/tmp/lemma-lm-corpus-{megabytes}.{kind}"
        written, rng = 0, random.Random(megabytes)
        with open(path, "w", encoding="utf-8") as f:
            while written < megabytes * 1_000_000:
                order = documents[:]
                rng.shuffle(order)
                for text in order:
                    line = (json.dumps({"text": text}, ensure_ascii=False) if kind == "jsonl" else text + "\n\n") + ("\n" if kind == "jsonl" else "")
                    f.write(line)
                    written += len(line.encode())
                    if written >= megabytes * 1_000_000:
                        break
        out = subprocess.run([os.path.join(ROOT, ".build/release/lemma-bench"), "lm-encode", "--input", path],
                             check=True, capture_output=True, text=True).stdout
        result = json.loads(out)
        rows.append((kind, result))
        print(kind, result, flush=True)
        os.remove(path)
print("\n| input | MB | tokens | documents | seconds | MB/s | peak RSS MB |\n|---|---|---|---|---|---|---|")
for kind, r in rows:
    print(f"| {'one text file' if kind == 'txt' else 'JSON Lines'} | {r['input_mb']:.0f} | {r['tokens']:,} | {r['documents']:,} | "
          f"{r['seconds']:.1f} | {r['mb_per_second']:.1f} | {r['peak_rss_mb']:.0f} |")
