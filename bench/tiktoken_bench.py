#!/usr/bin/env python3
"""tiktoken's side of the "gpt2 bpe encode" benchmark: encode_ordinary (single-threaded) on the text that
`lemma-bench tokenizer` wrote, so both encode the same bytes.

    swift run -c release lemma-bench tokenizer            # writes $TMPDIR/lemma-tokenizer-bench.txt
    python3 -m venv /tmp/textvenv && /tmp/textvenv/bin/pip install tiktoken
    /tmp/textvenv/bin/python bench/tiktoken_bench.py [TEXT] [--repeat N]

The encoding is built offline from Lemma's bundled ranks (Sources/LemmaText/Resources/gpt2.tiktoken).
Prints one JSON line; ids and id_sum should equal Lemma's.
"""
import json
import os
import sys
import tempfile
import time

import tiktoken
import tiktoken.load

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
repeats = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 7
paths = [a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] != "--repeat")]
path = paths[0] if paths else os.path.join(tempfile.gettempdir(), "lemma-tokenizer-bench.txt")

encoding = tiktoken.Encoding(
    name="r50k_base",
    pat_str=r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
    mergeable_ranks=tiktoken.load.load_tiktoken_bpe(os.path.join(ROOT, "Sources/LemmaText/Resources/gpt2.tiktoken")),
    special_tokens={"<|endoftext|>": 50256},
)
with open(path, encoding="utf-8", newline="") as f:
    text = f.read()
megabytes = len(text.encode()) / 1e6

ids = encoding.encode_ordinary(text)  # warm-up
samples = []
for _ in range(repeats):
    start = time.perf_counter()
    ids = encoding.encode_ordinary(text)
    samples.append(time.perf_counter() - start)
seconds = sorted(samples)[len(samples) // 2]
print(json.dumps({"workload": "gpt2 bpe encode", "impl": f"tiktoken {tiktoken.__version__}", "mb_per_s": megabytes / seconds,
                  "megabytes": megabytes, "ids": len(ids), "id_sum": sum(ids)}, sort_keys=True))
