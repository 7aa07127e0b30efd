#!/usr/bin/env python3
"""The PyTorch twin of a Lemma language-model run: reads the run directory (its token streams, the GPT-2 shape in
data/gpt2_config.json, the resolved config.yaml) and trains transformers' GPT2LMHeadModel the way Lemma's
Trainer does: windows of block_size + 1 tokens reshuffled each epoch, AdamW with no weight decay on biases and
layer norms (Hugging Face's rule), linear warm-up then cosine decay, gradient clipping at max_grad_norm, the same
number of optimizer steps. Then the loss and perplexity over the test stream (the validation stream without
one), in windows of block_size. Prints one JSON line.

    bench/.venv/bin/python bench/lm_torch.py runs/RUN [--seed S]
"""
import json
import math
import resource
import os
import sys
import time

import numpy as np
import torch
import yaml
from transformers import GPT2Config, GPT2LMHeadModel

torch.set_num_threads(2)
run = sys.argv[1]
seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 42
torch.manual_seed(seed)
config = yaml.safe_load(open(os.path.join(run, "config.yaml")))
train_cfg = config.get("train", {})
block = int(config["data"]["block_size"])
shape = json.load(open(os.path.join(run, "data", "gpt2_config.json")))
model = GPT2LMHeadModel(GPT2Config(**{k: v for k, v in shape.items() if k not in ("architectures", "model_type")}))


def stream(name):
    meta = json.load(open(os.path.join(run, "data", name, "meta.json")))
    dtype = np.uint16 if meta["bytesPerToken"] == 2 else np.uint32
    suffix = "u16" if meta["bytesPerToken"] == 2 else "u32"
    return torch.from_numpy(np.fromfile(os.path.join(run, "data", name, f"tokens.{suffix}"), dtype=dtype).astype(np.int64))


train = stream("train")
windows = (len(train) - 1) // block
batch = int(train_cfg.get("batch_size", 32))
batches_per_epoch = math.ceil(windows / batch)
total = int(train_cfg["max_steps"]) if train_cfg.get("max_steps") else math.ceil(float(train_cfg.get("epochs", 3)) * batches_per_epoch)
lr = float(train_cfg.get("learning_rate", 1e-3))
decay = float(train_cfg.get("weight_decay", 0))
warmup = min(int(train_cfg.get("warmup_steps", 0)), total)
norms = {f"{m}.{n}" for m, module in model.named_modules() if isinstance(module, torch.nn.LayerNorm) for n, _ in module.named_parameters()}
named = list(model.named_parameters())
exempt = [p for n, p in named if "bias" in n.lower() or n in norms]
decayed = [p for n, p in named if not ("bias" in n.lower() or n in norms)]
optimizer = torch.optim.AdamW([{"params": decayed, "weight_decay": decay}, {"params": exempt, "weight_decay": 0.0}], lr=lr)
schedule = torch.optim.lr_scheduler.LambdaLR(
    optimizer, lambda s: s / max(1, warmup) if s < warmup else max(0.0, 0.5 * (1 + math.cos(math.pi * (s - warmup) / max(1, total - warmup)))))
clip = float(train_cfg.get("max_grad_norm", 1))


def window_batch(tokens, indices, size):
    rows = torch.stack([tokens[i * size:i * size + size + 1] for i in indices])
    return rows[:, :-1], rows[:, 1:]


model.train()
step = 0
start = time.perf_counter()
while step < total:
    order = torch.randperm(windows)
    for b in range(batches_per_epoch):
        if step >= total:
            break
        x, y = window_batch(train, order[b * batch:(b + 1) * batch].tolist(), block)
        logits = model(input_ids=x).logits
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
seconds = time.perf_counter() - start

held = stream("test" if os.path.exists(os.path.join(run, "data", "test")) else "valid")
size = min(block, len(held) - 1)
model.eval()
total_loss, count = 0.0, 0
with torch.no_grad():
    n = (len(held) - 1) // size
    for s in range(0, n, batch):
        x, y = window_batch(held, list(range(s, min(s + batch, n))), size)
        logits = model(input_ids=x).logits
        total_loss += torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum").item()
        count += y.numel()
loss = total_loss / count
print(json.dumps({"impl": f"torch {torch.__version__}", "loss": loss, "perplexity": math.exp(loss), "steps": step,
                  "training_seconds": seconds, "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
