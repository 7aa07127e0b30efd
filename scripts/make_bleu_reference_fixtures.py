#!/usr/bin/env python3
"""Reference BLEU scores for im2latex's metric (im2markup scores with Moses' multi-bleu.perl; nltk's
corpus_bleu computes the same unsmoothed corpus BLEU-4): Tests/LemmaTrainTests/Fixtures/bleu_references.json.

    bench/.venv/bin/pip install nltk
    bench/.venv/bin/python scripts/make_bleu_reference_fixtures.py IM2MARKUP_CHECKOUT [OUT_DIR]

IM2MARKUP_CHECKOUT is a checkout of harvardnlp/im2markup; its third_party/multi-bleu.perl is run with perl on
each case as im2markup's scripts/evaluation/evaluate_bleu.py runs it (gold file as the argument, predictions
on standard input, one tokenized formula per line). Each case holds `hypotheses` and `references` (token
lists, one reference per hypothesis), `nltk` (corpus_bleu with its default weights and no smoothing, × 100)
and `multi_bleu` (the score multi-bleu.perl prints, two decimals). The two agree when every prediction has at
least 4 tokens; otherwise nltk's modified precision counts at least one n-gram per sentence and order
(max(1, …) in its denominators) where multi-bleu.perl counts none, and nltk scores lower. Seeded, so a rerun
writes the same file.
"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import warnings

import nltk
from nltk.translate.bleu_score import corpus_bleu

checkout = sys.argv[1]
out_dir = sys.argv[2] if len(sys.argv) > 2 else "Tests/LemmaTrainTests/Fixtures"
perl_script = os.path.join(checkout, "third_party", "multi-bleu.perl")
rng = random.Random(20261206)
TOKENS = ["x", "y", "^", "_", "{", "}", "2", "i", "\\frac", "\\alpha", "+", "-", "=", "(", ")", "\\sum", "n"]


def multi_bleu(hypotheses, references):
    with tempfile.TemporaryDirectory() as directory:
        gold = os.path.join(directory, "gold.txt")
        with open(gold, "w") as f:
            f.write("".join(" ".join(r) + "\n" for r in references))
        printed = subprocess.run(["perl", perl_script, gold], input="".join(" ".join(h) + "\n" for h in hypotheses),
                                 capture_output=True, text=True, check=True).stdout
    return float(re.match(r"BLEU = ([0-9.]+),", printed).group(1))


def formula(length):
    return [rng.choice(TOKENS) for _ in range(length)]


def noisy(reference, keep):
    out = [t if rng.random() < keep else rng.choice(TOKENS) for t in reference]
    if rng.random() < 0.3:
        out = out[:max(0, len(out) - rng.randint(1, 4))]
    elif rng.random() < 0.3:
        out += formula(rng.randint(1, 4))
    return out


cases = []
# Formulas of 3 to 30 tokens, and of 8 to 30 (whose noisy predictions keep at least 4 tokens, see below).
for count, keep, shortest in [(40, 0.9, 3), (60, 0.7, 3), (25, 0.5, 3), (80, 0.95, 8), (30, 0.7, 8), (10, 0.8, 8)]:
    references = [formula(rng.randint(shortest, 30)) for _ in range(count)]
    hypotheses = [noisy(r, keep) for r in references]
    cases.append({"hypotheses": hypotheses, "references": references})
# No 4-gram in common anywhere: both give 0 (no smoothing).
cases.append({"hypotheses": [["x", "y", "x", "y"], ["a", "b"]], "references": [["x", "y", "z", "w"], ["a", "b"]]})
# Shorter output than the references (brevity penalty), an empty prediction among them.
cases.append({"hypotheses": [["x", "^", "{", "2", "}"], [], ["\\frac", "{", "1", "}", "{", "2", "}"]],
              "references": [["x", "^", "{", "2", "}", "+", "y"], ["a"], ["\\frac", "{", "1", "}", "{", "2", "}", "x"]]})

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # nltk warns when an order has no match and returns 0
    for case in cases:
        case["nltk"] = 100 * corpus_bleu([[r] for r in case["references"]], case["hypotheses"])
        case["multi_bleu"] = multi_bleu(case["hypotheses"], case["references"])

with open(os.path.join(out_dir, "bleu_references.json"), "w") as f:
    json.dump({"nltk_version": nltk.__version__, "cases": cases}, f)
print([(round(c["nltk"], 4), c["multi_bleu"]) for c in cases])
