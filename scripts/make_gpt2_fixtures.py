#!/usr/bin/env python3
"""Hugging Face reference for Lemma's GPT-2 (Tests/LemmaModelsTests/Fixtures/gpt2-tiny/ and
gpt2-tiny-reference.safetensors).

    bench/.venv/bin/pip install torch transformers safetensors
    bench/.venv/bin/python scripts/make_gpt2_fixtures.py Tests/LemmaModelsTests/Fixtures

transformers creates a randomly initialized `GPT2LMHeadModel` at an odd small size (3 layers, 3 heads of
15, 45 wide, 67 tokens, 24 positions) and saves it with `save_pretrained` (config.json + model.safetensors,
float32): that directory is what Lemma loads. The reference is computed from the same weights in float64,
in eval mode (no dropout), and stored as float32:
  input_ids [2, 20] (I64), labels [2, 20] (I64, a few -100)
  logits [2, 20, 67]; loss (transformers' shifted mean cross-entropy); grad.<key> for every parameter
  adamw.losses [10]: ten AdamW steps (lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0.1) on the
  same batch in float32, the loss before each step (llm.c's test)
"""
import os
import sys

import torch
from transformers import GPT2Config, GPT2LMHeadModel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import write_safetensors  # noqa: E402

out = sys.argv[1]
torch.manual_seed(0)
config = GPT2Config(vocab_size=67, n_positions=24, n_embd=45, n_layer=3, n_head=3)
model = GPT2LMHeadModel(config)
# transformers initializes biases and layer norms to constants; random ones make the check see their gradients
# and the loader see them land in the right place.
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.endswith(".bias") or "ln_" in name:
            p.add_(0.05 * torch.randn_like(p))
model.save_pretrained(os.path.join(out, "gpt2-tiny"), safe_serialization=True)

ids = torch.randint(0, config.vocab_size, (2, 20))
labels = ids.clone()
labels[0, 5] = -100
labels[1, 17:] = -100

reference = GPT2LMHeadModel.from_pretrained(os.path.join(out, "gpt2-tiny")).double().eval()
result = reference(input_ids=ids, labels=labels)
result.loss.backward()
tensors = {"input_ids": ids, "labels": labels, "logits": result.logits.detach().float(),
           "loss": result.loss.detach().float().reshape(1)}
for name, p in reference.named_parameters():
    tensors["grad." + name] = p.grad.float()

trained = GPT2LMHeadModel.from_pretrained(os.path.join(out, "gpt2-tiny")).eval()
optimizer = torch.optim.AdamW(trained.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
losses = []
for _ in range(10):
    optimizer.zero_grad()
    loss = trained(input_ids=ids, labels=labels).loss
    losses.append(loss.item())
    loss.backward()
    optimizer.step()
tensors["adamw.losses"] = torch.tensor(losses, dtype=torch.float32)
write_safetensors(os.path.join(out, "gpt2-tiny-reference.safetensors"), tensors)
print("keys in the checkpoint:", sorted(k for k in GPT2LMHeadModel.from_pretrained(os.path.join(out, "gpt2-tiny")).state_dict())[:4], "...")
print("loss", result.loss.item(), "adamw", losses)
