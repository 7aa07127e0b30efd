#!/usr/bin/env python3
"""Continuations of held-out Metamath theorems by a trained language-model run (seed 001's use: "ideas for next
steps in a proof"): each prompt is a test theorem up to and including "proof", the continuation is cut at the end of
its line. Prints a Markdown table (greedy continuation, three top-k samples) and how many greedy proofs equal the
theorem's own proof in set.mm.

    python3 bench/lm_proof_samples.py runs/results/metamath-gpt2-seed1 [--theorems 20] [--max-steps 4]

Theorems are the first ones in data/metamath-proofs/test.jsonl whose proof has at most --max-steps steps.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
run = sys.argv[1]
count = int(sys.argv[sys.argv.index("--theorems") + 1]) if "--theorems" in sys.argv else 20
max_steps = int(sys.argv[sys.argv.index("--max-steps") + 1]) if "--max-steps" in sys.argv else 4
lemma = os.path.join(ROOT, ".build/release/lemma")


def continuations(prompt, *options):
    out = subprocess.run([lemma, "generate", "--run", run, "--prompt", prompt, "--max-new-tokens", "32", *options],
                         check=True, capture_output=True, text=True).stdout
    samples = [s for s in out.split("======== SAMPLE") if s.strip()] if "======== SAMPLE" in out else [out]
    # Drop the "n ========" header of each sample, the prompt Lemma echoes, and everything after the proof line.
    texts = []
    for s in samples:
        body = s.split("========\n", 1)[1] if "========\n" in s else s
        body = body[len(prompt):] if body.startswith(prompt) else body
        texts.append(body.split("\n")[0].strip())
    return texts


theorems = []
for line in open(os.path.join(ROOT, "data/metamath-proofs/test.jsonl")):
    text = json.loads(line)["text"]
    head, _, proof = text.rpartition("\nproof ")
    if head and 0 < len(proof.split()) <= max_steps:
        theorems.append((head.split("\n")[0].removeprefix("theorem "), head + "\nproof", proof.strip()))
    if len(theorems) == count:
        break

exact = 0
print("| theorem | its proof in set.mm | greedy | top-k 40 samples (seed 1) |\n|---|---|---|---|")
for name, prompt, proof in theorems:
    greedy = continuations(prompt, "--greedy")[0]
    sampled = continuations(prompt, "--num-samples", "3", "--seed", "1")
    exact += greedy == proof
    print(f"| `{name}` | `{proof}` | `{greedy}`{' ✓' if greedy == proof else ''} | " + " · ".join(f"`{s}`" for s in sampled) + " |")
print(f"\nGreedy proof equal to set.mm's: {exact} of {len(theorems)}")
