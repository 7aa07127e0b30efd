#!/usr/bin/env python3
"""Fixtures for Tests/LemmaDecodingTests: Hugging Face `generate` (greedy, beam search) on a tiny GPT-2 with
random weights, and its logits warpers on fixed scores.

    bench/.venv/bin/python scripts/make_decoding_fixtures.py Tests/LemmaDecodingTests/Fixtures

Needs torch and transformers (bench/.venv: pip install torch transformers). The model is run without a
cache, and every forward pass is recorded as (prefix -> next-token logits): the Swift test replays these
scores through Lemma's decoder, so a prefix Lemma asks for that Hugging Face never scored fails the test.
"""
import json
import os
import sys

import torch
import transformers
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.generation.logits_process import (RepetitionPenaltyLogitsProcessor, TemperatureLogitsWarper,
                                                    TopKLogitsWarper, TopPLogitsWarper, NoRepeatNGramLogitsProcessor)

out = sys.argv[1] if len(sys.argv) > 1 else "Tests/LemmaDecodingTests/Fixtures"
torch.manual_seed(0)
VOCAB, EOS, PAD = 12, 2, 0
# A wide initializer makes the next-token distributions peaked and varied, so EOS, ties and early stopping
# actually happen within a few steps.
config = GPT2Config(vocab_size=VOCAB, n_positions=64, n_embd=16, n_layer=1, n_head=2, initializer_range=0.8,
                    bos_token_id=1, eos_token_id=EOS, pad_token_id=PAD)
model = GPT2LMHeadModel(config).eval()
table = {}
original_forward = model.forward


def recording_forward(*args, **kwargs):
    result = original_forward(*args, **kwargs)
    ids = kwargs.get("input_ids", args[0] if args else None)
    # EOS likelier the longer the prefix (and by how often 10 occurs), so hypotheses end at different lengths.
    with torch.no_grad():
        result.logits[:, -1, EOS] += 1.1 * ids.shape[1] - 6 + 0.5 * (ids == 10).sum(1)
    for row, logits in zip(ids.tolist(), result.logits[:, -1, :].tolist()):
        table[" ".join(map(str, row))] = logits
    return result


model.forward = recording_forward
PROMPTS = [[1, 5, 7], [1, 9, 3]]


def generate(**settings):
    with torch.no_grad():
        output = model.generate(torch.tensor(PROMPTS), attention_mask=torch.ones(2, 3, dtype=torch.long),
                                use_cache=False, do_sample=False, eos_token_id=EOS, pad_token_id=PAD,
                                return_dict_in_generate=True, output_scores=True, **settings)
    sequences = output.sequences[:, len(PROMPTS[0]):].tolist()
    scores = output.sequences_scores.tolist() if getattr(output, "sequences_scores", None) is not None else None
    return sequences, scores


cases = []
for name, settings in [
    ("greedy", dict(max_new_tokens=8)),
    ("greedy penalties", dict(max_new_tokens=9, repetition_penalty=1.4, no_repeat_ngram_size=2, min_new_tokens=3)),
    ("beam 3", dict(max_new_tokens=7, num_beams=3, num_return_sequences=2)),
    ("beam 4 early stopping", dict(max_new_tokens=8, num_beams=4, early_stopping=True, num_return_sequences=3)),
    ("beam 3 never, length penalty 0.5", dict(max_new_tokens=6, num_beams=3, early_stopping="never", length_penalty=0.5)),
    ("beam 2 length penalty 2, no repeat 2", dict(max_new_tokens=8, num_beams=2, length_penalty=2.0, no_repeat_ngram_size=2,
                                                   num_return_sequences=2)),
    ("beam 5 min 4", dict(max_new_tokens=6, num_beams=5, min_new_tokens=4, repetition_penalty=1.2)),
]:
    sequences, scores = generate(**settings)
    cases.append({"name": name, "settings": {k: v for k, v in settings.items()}, "sequences": sequences,
                  "scores": scores})

# Warpers on fixed scores: the processed row each gives.
torch.manual_seed(1)
rows = (torch.randn(4, 30) * 2).tolist()
context = [3, 7, 7, 11, 3]
warpers = []
for name, processor in [
    ("temperature 0.7", TemperatureLogitsWarper(0.7)),
    ("top-k 5", TopKLogitsWarper(5)),
    ("top-k 1", TopKLogitsWarper(1)),
    ("top-p 0.9", TopPLogitsWarper(0.9)),
    ("top-p 0.3", TopPLogitsWarper(0.3)),
    ("top-p 0.05", TopPLogitsWarper(0.05)),
    ("repetition penalty 1.5", RepetitionPenaltyLogitsProcessor(1.5)),
    ("no repeat 2", NoRepeatNGramLogitsProcessor(2)),
]:
    processed = processor(torch.tensor([context] * 4), torch.tensor(rows)).tolist()
    warpers.append({"name": name, "processed": [[None if v == float("-inf") else v for v in r] for r in processed]})

with open(os.path.join(out, "decoding.json"), "w") as f:
    json.dump({"transformers": transformers.__version__, "torch": torch.__version__, "vocab": VOCAB, "eos": EOS,
               "pad": PAD, "prompts": PROMPTS, "table": table, "cases": cases, "rows": rows, "context": context,
               "warpers": warpers}, f, separators=(",", ":"))
print(f"{len(table)} prefixes, {len(cases)} generate cases, {len(warpers)} warpers")
