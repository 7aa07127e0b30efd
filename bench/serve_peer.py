#!/usr/bin/env python3
"""The Python peer of `lemma serve` for bench/serve_bench.sh: FastAPI + uvicorn + PyTorch serving the same
weights with the same request and response shapes, the way such a server is usually written (one request
per forward pass, in FastAPI's thread pool; generation with a key/value cache, streamed as server-sent
events).

    bench/.venv/bin/python bench/serve_peer.py --port 8181 [--classifier runs/metamath]
        [--embedder assets/minilm] [--gpt2 hf/metamath-gpt2-short]

- classifier: a Lemma text-CNN run (model.safetensors, data/vocab.txt, config.yaml), rebuilt in PyTorch
  (bench/classification_torch.py's CNNClassifier) with Lemma's word splitter for ASCII text;
- embedder: a sentence-transformers directory (all-MiniLM-L6-v2) through transformers, mean pooling,
  L2-normalized;
- gpt2: a Hugging Face GPT-2 directory (`lemma export` writes one) through transformers.
"""
import argparse
import json
import pathlib
import re
import sys
import threading
import time
import uuid

import torch
import torch.nn.functional as F
import uvicorn
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from safetensors.torch import load_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from classification_torch import CNNClassifier  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=8181)
# PyTorch's intra-op threads (the benchmark tries 2 and 1, as Lemma's classifier runs on one compute thread).
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--classifier")
parser.add_argument("--embedder")
parser.add_argument("--gpt2")
args = parser.parse_args()
torch.set_num_threads(args.threads)
app = FastAPI()
# PyTorch runs one forward pass at a time: its kernels already use both cores.
compute = threading.Lock()


# ---- classifier -------------------------------------------------------------------------------------------
class Classifier:
    WORD = re.compile(r"[A-Za-z0-9]+|[^A-Za-z0-9\s]")

    def __init__(self, run):
        run = pathlib.Path(run)
        config = yaml.safe_load((run / "config.yaml").read_text())
        self.vocab = {}
        for i, line in enumerate((run / "data/vocab.txt").read_text().split("\n")):
            if line:
                self.vocab[line.rsplit(" ", 1)[0]] = i
        self.unknown = self.vocab.get("<unk>", 1)
        self.lowercase = config.get("tokenizer", {}).get("lowercase", False)
        self.max_length = config.get("tokenizer", {}).get("max_length", 128)
        weights = load_file(str(run / "model.safetensors"))
        widths = [weights[f"convolutions.{i}.weight"].shape[2] for i in range(3) if f"convolutions.{i}.weight" in weights]
        vocab, dim = weights["embeddings.weight"].shape
        filters, classes = weights["convolutions.0.weight"].shape[0], weights["classifier.weight"].shape[0]
        self.model = CNNClassifier(vocab, dim, classes, filters, widths, 1, 0.0, 0)  # padding 1, as Lemma's preset
        self.model.load_state_dict(weights)
        self.model.eval()
        summary = json.loads((run / "summary.json").read_text()) if (run / "summary.json").exists() else {}
        self.classes = summary.get("classes") or [f"class{i}" for i in range(classes)]

    def ids(self, text):
        words = self.WORD.findall(text.lower() if self.lowercase else text)[: self.max_length]
        return [self.vocab.get(w, self.unknown) for w in words] or [self.unknown]

    def __call__(self, texts):
        rows = [self.ids(t) for t in texts]
        width = max(len(r) for r in rows)
        ids = torch.tensor([r + [0] * (width - len(r)) for r in rows])
        lengths = torch.tensor([len(r) for r in rows])
        with torch.inference_mode():
            return F.softmax(self.model(ids, lengths), dim=1).tolist()


# ---- embedder ---------------------------------------------------------------------------------------------
class Embedder:
    def __init__(self, directory):
        from transformers import AutoModel, AutoTokenizer
        self.tokenizer = AutoTokenizer.from_pretrained(directory)
        self.model = AutoModel.from_pretrained(directory).eval()

    def __call__(self, texts):
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
        with torch.inference_mode():
            hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(2).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return F.normalize(pooled, dim=1).tolist(), int(batch["attention_mask"].sum())


# ---- GPT-2 ------------------------------------------------------------------------------------------------
class Generator:
    def __init__(self, directory):
        from transformers import GPT2LMHeadModel, GPT2TokenizerFast
        self.model = GPT2LMHeadModel.from_pretrained(directory).eval()
        self.tokenizer = GPT2TokenizerFast.from_pretrained(directory)

    def stream(self, prompt, max_tokens, temperature, top_k, seed, ignore_eos):
        """Yields one token id at a time, sampling with a KV cache (transformers' own loop, unrolled)."""
        ids = self.tokenizer(prompt, return_tensors="pt").input_ids[:, -(self.model.config.n_positions - max_tokens):]
        generator = torch.Generator().manual_seed(seed)
        past = None
        with torch.inference_mode():
            for _ in range(max_tokens):
                with compute:
                    out = self.model(input_ids=ids, past_key_values=past, use_cache=True)
                past = out.past_key_values
                logits = out.logits[0, -1] / max(temperature, 1e-5)
                if top_k:
                    threshold = torch.topk(logits, top_k).values[-1]
                    logits = logits.masked_fill(logits < threshold, float("-inf"))
                token = int(torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator))
                yield token
                if token == self.tokenizer.eos_token_id and not ignore_eos:
                    return
                ids = torch.tensor([[token]])


classifier = Classifier(args.classifier) if args.classifier else None
embedder = Embedder(args.embedder) if args.embedder else None
generator = Generator(args.gpt2) if args.gpt2 else None


def texts_of(value):
    return [value] if isinstance(value, str) else list(value)


@app.post("/v1/classify")
def classify(body: dict):
    texts = texts_of(body["input"])
    with compute:
        probabilities = classifier(texts)
    data = [{"index": i, "label": classifier.classes[max(range(len(p)), key=p.__getitem__)],
             "probabilities": dict(zip(classifier.classes, p))} for i, p in enumerate(probabilities)]
    return {"object": "list", "model": "classifier", "data": data}


@app.post("/v1/embeddings")
def embeddings(body: dict):
    texts = texts_of(body["input"])
    with compute:
        vectors, tokens = embedder(texts)
    return {"object": "list", "model": "embedder", "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]}


@app.post("/v1/completions")
def completions(body: dict):
    prompt = body["prompt"] if isinstance(body["prompt"], str) else body["prompt"][0]
    max_tokens = int(body.get("max_tokens", 16))
    temperature = float(body.get("temperature", 1.0))
    top_k = int(body.get("top_k", 0) or 0)
    seed = int(body.get("seed", time.time_ns() % 2**31))
    ignore_eos = bool(body.get("ignore_eos", False))
    identifier = "cmpl-" + uuid.uuid4().hex[:24]
    tokens = generator.stream(prompt, max_tokens, temperature, top_k, seed, ignore_eos)
    if not body.get("stream"):
        ids = list(tokens)
        return {"id": identifier, "object": "text_completion", "model": "gpt2",
                "choices": [{"index": 0, "text": generator.tokenizer.decode(ids), "finish_reason": "length"}],
                "usage": {"completion_tokens": len(ids)}}

    def events():
        count = 0
        for token in tokens:
            count += 1
            chunk = {"id": identifier, "object": "text_completion", "model": "gpt2",
                     "choices": [{"index": 0, "text": generator.tokenizer.decode([token]), "finish_reason": None}]}
            yield "data: " + json.dumps(chunk) + "\n\n"
        yield "data: " + json.dumps({"id": identifier, "choices": [], "usage": {"completion_tokens": count}}) + "\n\n"
        yield "data: [DONE]\n\n"
    return StreamingResponse(events(), media_type="text/event-stream")


@app.get("/health")
def health():
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
