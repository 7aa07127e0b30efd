#!/usr/bin/env python3
"""Writes the reference numbers for LemmaTrain's metric tests: scikit-learn for classification, sacrebleu for
BLEU.

Needs scikit-learn and sacrebleu from PyPI (this script installs nothing itself):
    python3 -m venv /tmp/metrics-venv && /tmp/metrics-venv/bin/pip install scikit-learn sacrebleu
    /tmp/metrics-venv/bin/python scripts/make_metric_fixtures.py Tests/LemmaTrainTests/Fixtures

Everything is drawn from one seeded generator, so a rerun with the same library versions writes the same file.
metrics.json holds:

- `versions`: the sklearn and sacrebleu versions that made the numbers.
- `classification`: cases of integer labels `y_true`, `y_pred` over `num_classes` classes, and the `labels`
  passed to sklearn (the sorted labels present when the case passes none, as sklearn itself picks them).
  For each: `precision`, `recall`, `f1`, `support` per label (precision_recall_fscore_support, average=None,
  zero_division=0), `micro`/`macro`/`weighted` [p, r, f1], `accuracy` (accuracy_score over every sample),
  `confusion` (confusion_matrix with the same labels; null where sklearn refuses labels with no true example),
  `micro_is_accuracy` (whether classification_report prints an `accuracy` row instead of `micro avg`) and,
  for a few cases, `report` texts keyed by digits, with `target_names`.
- `bleu`: cases of token-id hypotheses and, per hypothesis, one or more references (a case's reference
  streams may hold None, sacrebleu's way to give segments fewer references). For each, sacrebleu's
  BLEU(tokenize="none") corpus_score under `options` ({smooth_method, smooth_value, effective_order}):
  `score`, `counts`, `totals`, `precisions`, `bp`, `sys_len`, `ref_len` and the printed line `format`.
"""
import json
import os
import random
import sys
import warnings

import numpy as np
import sacrebleu
import sklearn
from sacrebleu.metrics import BLEU
from sklearn.metrics import (accuracy_score, classification_report, confusion_matrix,
                             precision_recall_fscore_support)
from sklearn.utils.multiclass import unique_labels

out_dir = sys.argv[1] if len(sys.argv) > 1 else "Tests/LemmaTrainTests/Fixtures"
rng = random.Random(20240611)
# sklearn warns about single-label inputs, which some cases are on purpose.
warnings.filterwarnings("ignore", category=UserWarning)


# ---------------------------------------------------------------- classification

def classification_case(name, num_classes, y_true, y_pred, labels=None, target_names=None, report_digits=()):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    used = [int(x) for x in (labels if labels is not None else unique_labels(y_true, y_pred))]
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=used, average=None, zero_division=0)
    case = {
        "name": name, "num_classes": num_classes, "y_true": y_true.tolist(), "y_pred": y_pred.tolist(),
        "labels": used, "labels_given": labels is not None,
        "precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(), "support": s.tolist(),
        "accuracy": float(accuracy_score(y_true, y_pred)),
    }
    try:
        case["confusion"] = confusion_matrix(y_true, y_pred, labels=used).tolist()
    except ValueError:
        case["confusion"] = None  # sklearn refuses labels none of which is a true label
    for average in ("micro", "macro", "weighted"):
        ap, ar, af, _ = precision_recall_fscore_support(y_true, y_pred, labels=used, average=average,
                                                        zero_division=0)
        case[average] = [float(ap), float(ar), float(af)]
    # The same rule classification_report applies, read back from its own output.
    text = classification_report(y_true, y_pred, labels=labels, zero_division=0)
    case["micro_is_accuracy"] = "micro avg" not in text
    if report_digits:
        case["target_names"] = target_names
        case["report"] = {str(d): classification_report(y_true, y_pred, labels=labels, target_names=target_names,
                                                        digits=d, zero_division=0)
                          for d in report_digits}
    return case


def noisy(y_true, num_classes, error_rate):
    return [rng.randrange(num_classes) if rng.random() < error_rate else y for y in y_true]


def skewed_labels(n, num_classes):
    # Some classes get no weight, so they are absent from y_true (and usually from y_pred).
    weights = [0 if rng.random() < 0.25 else rng.random() ** 2 for _ in range(num_classes)]
    if sum(weights) == 0:
        weights[0] = 1
    return rng.choices(range(num_classes), weights=weights, k=n)


classification = [
    classification_case("perfect", 3, [0, 1, 2, 2, 1, 0], [0, 1, 2, 2, 1, 0], labels=[0, 1, 2]),
    classification_case("all_wrong", 3, [0, 1, 2, 2, 1, 0], [1, 2, 0, 0, 2, 1], labels=[0, 1, 2]),
    classification_case("single_class_perfect", 1, [0, 0, 0, 0], [0, 0, 0, 0]),
    classification_case("single_true_class", 3, [1, 1, 1, 1, 1], [1, 0, 1, 2, 1], labels=[0, 1, 2]),
    classification_case("single_sample", 4, [2], [3], labels=[0, 1, 2, 3]),
    classification_case("never_predicted_and_never_true", 5, [0, 0, 1, 1, 3, 3], [0, 1, 1, 0, 4, 4],
                        labels=[0, 1, 2, 3, 4]),
    classification_case("labels_subset", 4, [0, 1, 2, 3, 3, 2, 1, 0], [0, 2, 2, 3, 1, 2, 0, 3], labels=[0, 2]),
    classification_case("labels_without_support", 3, [0, 0, 1, 1], [2, 2, 1, 0], labels=[2]),
    classification_case("labels_reordered", 3, [0, 1, 2, 2, 1, 0, 2], [0, 2, 2, 1, 1, 0, 2], labels=[2, 0, 1]),
    classification_case("report_absent_class", 4, [0, 1, 2, 2, 0, 1, 2], [0, 2, 2, 1, 0, 1, 3],
                        labels=[0, 1, 2, 3], target_names=["theorem", "proof", "definition", "remark"],
                        report_digits=(2, 4)),
    classification_case("report_default_labels", 3, [0, 1, 2, 2, 1, 0, 2, 2], [0, 2, 2, 1, 1, 0, 0, 2],
                        target_names=["a", "b", "c"], report_digits=(2, 4)),
    classification_case("report_micro_avg", 4, [0, 1, 2, 3, 3, 2, 1, 0], [0, 2, 2, 3, 1, 2, 0, 3], labels=[0, 2, 3],
                        target_names=["lemma", "proof", "other"], report_digits=(2, 3)),
]
for i in range(40):
    k = rng.randint(2, 9)
    n = rng.choice([1, 2, 5, 20, 100, 300])
    y_true = skewed_labels(n, k)
    y_pred = noisy(y_true, k, rng.choice([0.0, 0.1, 0.4, 0.8, 1.0]))
    kind = rng.random()
    if kind < 0.5:
        labels = list(range(k))                      # every declared class, absent ones too
    elif kind < 0.7:
        labels = None                                # sklearn's default: the labels present
    else:
        labels = sorted(rng.sample(range(k), rng.randint(1, k)))  # a subset: `micro avg` may replace accuracy
    classification.append(classification_case(f"random_{i}", k, y_true, y_pred, labels=labels))


# ---------------------------------------------------------------- BLEU

def bleu_case(name, hyps, refs, **options):
    """hyps: [[int]]; refs: per hypothesis a list of references ([[int]]); shorter lists are padded with None."""
    width = max(len(r) for r in refs)
    streams = [[" ".join(map(str, r[j])) if j < len(r) else None for r in refs] for j in range(width)]
    bleu = BLEU(tokenize="none", force=True, **options)
    s = bleu.corpus_score([" ".join(map(str, h)) for h in hyps], streams)
    return {
        "name": name, "hypotheses": hyps, "references": refs,
        "options": {"smooth_method": bleu.smooth_method,
                    "smooth_value": bleu.smooth_value if bleu.smooth_value is not None
                    else BLEU.SMOOTH_DEFAULTS[bleu.smooth_method],
                    "effective_order": bleu.effective_order},
        "score": s.score, "counts": [int(c) for c in s.counts], "totals": [int(t) for t in s.totals],
        "precisions": [float(p) for p in s.precisions], "bp": s.bp, "sys_len": s.sys_len, "ref_len": s.ref_len,
        "format": s.format(),
    }


def sentence(length, vocab):
    return [rng.randrange(vocab) for _ in range(length)]


def edited(tokens, vocab, rate):
    """A copy with substitutions, deletions and insertions, so n-grams partly match."""
    out = []
    for t in tokens:
        u = rng.random()
        if u < rate / 3:
            continue
        out.append(rng.randrange(vocab) if u < 2 * rate / 3 else t)
        if rng.random() < rate / 3:
            out.append(rng.randrange(vocab))
    return out


bleu = [
    bleu_case("perfect", [[1, 2, 3, 4, 5], [6, 7, 8, 9]], [[[1, 2, 3, 4, 5]], [[6, 7, 8, 9]]]),
    bleu_case("no_match", [[1, 2, 3, 4, 5]], [[[6, 7, 8, 9, 10]]]),
    bleu_case("empty_hypothesis_only", [[]], [[[1, 2, 3]]]),
    bleu_case("empty_hypotheses_mixed", [[], [1, 2, 3, 4, 5, 6], []], [[[1, 2]], [[1, 2, 3, 4, 9, 6]], [[5]]]),
    bleu_case("shorter_than_four", [[1, 2, 3], [4, 5]], [[[1, 2, 3]], [[4, 5, 6]]]),
    bleu_case("unigrams_only", [[1], [2]], [[[1]], [[3]]]),
    bleu_case("no_four_gram_match", [[1, 2, 3, 9, 4, 5, 6, 9, 7, 8]], [[[1, 2, 3, 4, 5, 6, 7, 8]]]),
    bleu_case("no_trigram_match", [[1, 2, 9, 3, 4, 9, 5, 6]], [[[1, 2, 3, 4, 5, 6]]]),
    bleu_case("clipped_counts", [[7, 7, 7, 7, 7, 7]], [[[7, 7, 1, 2]]]),
    bleu_case("longer_than_reference", [[1, 2, 3, 4, 5, 6, 7, 8, 9]], [[[1, 2, 3, 4, 5]]]),
    bleu_case("multi_reference", [[1, 2, 3, 4, 5, 6], [1, 1, 2, 2]],
              [[[1, 2, 3, 9, 9, 9], [9, 9, 3, 4, 5, 6, 7]], [[1, 2], [2, 2, 1, 1, 1]]]),
    bleu_case("closest_length_tie_takes_shorter", [[1, 2, 3, 4, 5]], [[[1, 2, 3, 4], [1, 2, 3, 4, 5, 6]]]),
    bleu_case("variable_reference_count", [[1, 2, 3, 4], [5, 6, 7, 8]], [[[1, 2, 3, 4]], [[5, 6], [6, 7, 8, 5]]]),
    bleu_case("empty_reference", [[1, 2, 3], [4, 5, 6, 7]], [[[]], [[4, 5, 6, 7]]]),
    bleu_case("effective_order_short", [[1, 2, 3], [4, 5]], [[[1, 2, 3]], [[4, 5, 6]]], effective_order=True),
    bleu_case("no_smoothing", [[1, 2, 3, 9, 4, 5, 6, 9, 7, 8]], [[[1, 2, 3, 4, 5, 6, 7, 8]]], smooth_method="none"),
    bleu_case("floor_smoothing", [[1, 2, 3, 9, 4, 5, 6, 9, 7, 8]], [[[1, 2, 3, 4, 5, 6, 7, 8]]],
              smooth_method="floor", smooth_value=0.1),
    bleu_case("add_k_smoothing", [[1, 2, 3, 9, 4, 5, 6, 9, 7, 8]], [[[1, 2, 3, 4, 5, 6, 7, 8]]],
              smooth_method="add-k", smooth_value=1),
]
for i in range(40):
    vocab = rng.choice([4, 8, 20, 60])
    rate = rng.choice([0.0, 0.1, 0.3, 0.6, 1.0])
    n_refs_max = rng.choice([1, 1, 2, 4])
    hyps, refs = [], []
    for _ in range(rng.randint(1, 12)):
        ref_list = [sentence(rng.choice([0, 1, 3, 5, 12, 30]) if rng.random() < 0.1 else rng.randint(4, 25), vocab)
                    for _ in range(rng.randint(1, n_refs_max))]
        hyp = [] if rng.random() < 0.08 else edited(rng.choice(ref_list), vocab, rate)
        hyps.append(hyp)
        refs.append(ref_list)
    options = {}
    if i % 10 == 7:
        options = {"effective_order": True}
    elif i % 10 == 9:
        options = {"smooth_method": rng.choice(["none", "floor", "add-k"])}
    bleu.append(bleu_case(f"random_{i}", hyps, refs, **options))

fixtures = {
    "versions": {"sklearn": sklearn.__version__, "sacrebleu": sacrebleu.__version__},
    "classification": classification,
    "bleu": bleu,
}
os.makedirs(out_dir, exist_ok=True)
path = os.path.join(out_dir, "metrics.json")
with open(path, "w") as f:
    json.dump(fixtures, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {path}: {os.path.getsize(path)} bytes, {len(classification)} classification and {len(bleu)} BLEU cases")
