#!/usr/bin/env python3
"""Reference token edit distances for im2latex's `edit_distance` metric, scored by im2markup's own
scripts/evaluation/evaluate_text_edit_distance.py: Tests/LemmaTrainTests/Fixtures/edit_distance_references.json.

    bench/.venv/bin/pip install distance
    bench/.venv/bin/python scripts/make_edit_distance_fixtures.py IM2MARKUP_CHECKOUT [OUT_DIR]

IM2MARKUP_CHECKOUT is a checkout of harvardnlp/im2markup. For each case the script writes the result file that
im2markup's model writes (image, gold, prediction, two scores; tab-separated, one formula per line), runs
evaluate_text_edit_distance.py on it and keeps the "Edit Distance Accuracy" it logs (six decimals), beside the
two sums that script divides (Levenshtein distances from the `distance` package it imports, and the summed
longer length of each pair) for an exact check. An empty prediction reaches that script as one empty token
(`''.split(' ')`); against a non-empty gold that adds the same edits and the same longer length as no token.
Seeded, so a rerun writes the same file.
"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile

import distance

checkout = sys.argv[1]
out_dir = sys.argv[2] if len(sys.argv) > 2 else "Tests/LemmaTrainTests/Fixtures"
script = os.path.join(checkout, "scripts", "evaluation", "evaluate_text_edit_distance.py")
rng = random.Random(20261207)
TOKENS = ["x", "y", "^", "_", "{", "}", "2", "i", "\\frac", "\\alpha", "+", "-", "=", "(", ")", "\\sum", "n"]


def formula(length):
    return [rng.choice(TOKENS) for _ in range(length)]


def noisy(gold, keep):
    """Substitutions, then a dropped tail or added tokens, then an insertion or a deletion inside."""
    out = [t if rng.random() < keep else rng.choice(TOKENS) for t in gold]
    if rng.random() < 0.3:
        out = out[:max(1, len(out) - rng.randint(1, 5))]
    elif rng.random() < 0.3:
        out += formula(rng.randint(1, 5))
    if len(out) > 2 and rng.random() < 0.3:
        del out[rng.randrange(len(out))]
    if rng.random() < 0.3:
        out.insert(rng.randrange(len(out) + 1), rng.choice(TOKENS))
    return out


def im2markup_accuracy(predictions, golds):
    with tempfile.TemporaryDirectory() as directory:
        results = os.path.join(directory, "results.txt")
        with open(results, "w") as f:
            for i, (p, g) in enumerate(zip(predictions, golds)):
                f.write(f"{i}.png\t{' '.join(g)}\t{' '.join(p)}\t-1.0\t-1.0\n")
        run = subprocess.run([sys.executable, script, "--result-path", results, "--log-path", os.path.join(directory, "log.txt")],
                             capture_output=True, text=True, check=True)
    return float(re.search(r"Edit Distance Accuracy: ([0-9.eE+-]+)", run.stderr).group(1))


cases = []
for count, keep in [(1, 0.8), (5, 0.9), (40, 0.9), (60, 0.7), (25, 0.4), (80, 0.97)]:
    golds = [formula(rng.randint(1, 40)) for _ in range(count)]
    cases.append({"hypotheses": [noisy(g, keep) for g in golds], "references": golds})
# Exact predictions, an empty prediction, and a prediction longer than its gold.
cases.append({"hypotheses": [["x", "^", "{", "2", "}"], [], ["a", "+", "b", "+", "c", "+", "d"]],
              "references": [["x", "^", "{", "2", "}"], ["\\frac", "{", "1", "}", "{", "n", "}"], ["a", "+", "b"]]})

for case in cases:
    case["edits"] = sum(distance.levenshtein(g, p) for p, g in zip(case["hypotheses"], case["references"]))
    case["longer"] = sum(max(len(g), len(p)) for p, g in zip(case["hypotheses"], case["references"]))
    case["im2markup_accuracy"] = im2markup_accuracy(case["hypotheses"], case["references"])

with open(os.path.join(out_dir, "edit_distance_references.json"), "w") as f:
    json.dump({"distance_version": getattr(distance, "__version__", "unknown"), "cases": cases}, f)
print([(c["edits"], c["longer"], c["im2markup_accuracy"]) for c in cases])
