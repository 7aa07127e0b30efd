#!/usr/bin/env python3
"""Writes the reference numbers for LemmaTrain's FastaiCorpusBLEU tests from the fastai library itself
(fastai.metrics.CorpusBLEUMetric, which scores the argmax of a model's outputs against padded targets).

Needs fastai from PyPI (this script installs nothing itself):
    bench/.venv/bin/pip install fastai
    bench/.venv/bin/python scripts/make_fastai_bleu_fixtures.py Tests/LemmaTrainTests/Fixtures

fastai_bleu.json holds `version` and `cases`, each a list of batches ({`predictions`, `targets`}: rows of
token ids, every row of a batch the same width, as fastai sees a padded batch) and:

- `smoothed`: CorpusBLEUMetric's value (its per-sentence smoothing of orders without a match);
- `unsmoothed`: course-nlp's `CorpusBLEU` callback, the same sums without that smoothing, computed here by
  the library's own n-gram counting (`get_correct_ngrams`) and value formula with the smoothing left out
  (`UnsmoothedCorpusBLEU` below); in the last three cases every sentence matches at every order, so there it
  equals the library's smoothed value by construction (the script checks both).

Everything is drawn from one seeded generator, so a rerun with the same fastai writes the same file.
"""
import json
import os
import random
import sys
from types import SimpleNamespace

import fastai
import torch
from fastai.metrics import CorpusBLEUMetric

out_dir = sys.argv[1] if len(sys.argv) > 1 else "Tests/LemmaTrainTests/Fixtures"
rng = random.Random(20261206)
VOCAB = 12


def one_hot(rows):
    """Scores whose argmax along the last axis is `rows`."""
    scores = torch.zeros(len(rows), len(rows[0]), VOCAB)
    for b, row in enumerate(rows):
        for t, token in enumerate(row):
            scores[b, t, token] = 1
    return scores


def score(batches):
    metric = CorpusBLEUMetric(vocab_sz=VOCAB)
    metric.reset()
    for batch in batches:
        learn = SimpleNamespace(training=False, pred=one_hot(batch["predictions"]), y=torch.tensor(batch["targets"]))
        metric.accumulate(learn)
    return metric.value, metric


class UnsmoothedCorpusBLEU(CorpusBLEUMetric):
    """course-nlp's CorpusBLEU callback: CorpusBLEUMetric's sums and value, each order's clipped matches
    counted as they are (no per-sentence smoothing of an order without a match)."""

    def accumulate(self, learn):
        for pred, targ in zip(learn.pred.argmax(dim=self.axis).cpu().numpy(), learn.y.cpu().numpy()):
            self.pred_len += len(pred)
            self.targ_len += len(targ)
            for i in range(4):
                c, t = self.get_correct_ngrams(pred, targ, i + 1, max_n=self.vocab_sz)
                self.corrects[i] += c
                self.counts[i] += t


def unsmoothed(batches):
    metric = UnsmoothedCorpusBLEU(vocab_sz=VOCAB)
    metric.reset()
    for batch in batches:
        metric.accumulate(SimpleNamespace(training=False, pred=one_hot(batch["predictions"]), y=torch.tensor(batch["targets"])))
    return float(metric.value)


def batch(rows, prediction_width, target_width, copy_rate, vocab):
    targets, predictions = [], []
    for _ in range(rows):
        length = rng.randint(1, target_width)
        target = [rng.randrange(2, vocab) for _ in range(length)] + [1] * (target_width - length)  # 1 is the pad
        prediction = [t if rng.random() < copy_rate else rng.randrange(0, vocab) for t in target[:prediction_width]]
        prediction += [rng.randrange(0, vocab) for _ in range(prediction_width - len(prediction))]
        targets.append(target)
        predictions.append(prediction)
    return {"predictions": predictions, "targets": targets}


cases = []
# Random outputs: many sentences miss whole orders, so the smoothing decides much of the value.
for copy_rate, widths in [(0.3, (6, 8)), (0.6, (9, 7)), (0.0, (4, 4)), (0.8, (12, 12))]:
    batches = [batch(rng.randint(1, 5), rng.randint(*sorted(widths)), widths[1], copy_rate, VOCAB) for _ in range(3)]
    value, _ = score(batches)
    cases.append({"batches": batches, "smoothed": value, "unsmoothed": unsmoothed(batches)})
# Near copies of long targets: every sentence matches at every order, so course-nlp's unsmoothed callback agrees.
for prediction_width, target_width in [(20, 20), (18, 24), (26, 20)]:
    while True:
        batches = [batch(3, prediction_width, target_width, 0.9, VOCAB) for _ in range(2)]
        for b in batches:  # targets without pads, so each row is long enough for 4-grams
            b["targets"] = [[t if t != 1 else rng.randrange(2, VOCAB) for t in row] for row in b["targets"]]
        probe = CorpusBLEUMetric(vocab_sz=VOCAB)
        unmatched = any(probe.get_correct_ngrams(p, t, n)[0] == 0
                        for b in batches for p, t in zip(b["predictions"], b["targets"]) for n in range(1, 5))
        if not unmatched:
            break
    value, _ = score(batches)
    assert abs(unsmoothed(batches) - value) < 1e-12, "a near copy without smoothing should score as with it"
    cases.append({"batches": batches, "smoothed": value, "unsmoothed": unsmoothed(batches)})

with open(os.path.join(out_dir, "fastai_bleu.json"), "w") as f:
    json.dump({"version": fastai.__version__, "cases": cases}, f)
print(len(cases), "cases", [(round(c["smoothed"], 4), round(c["unsmoothed"], 4)) for c in cases])
