#!/usr/bin/env python3
"""GPT-2 at the 124M config against transformers, where no committed fixture can go (the small config's
check is in Tests/LemmaModelsTests/GPT2ParityTests.swift):

    swift build -c release --product lemma-bench
    bench/.venv/bin/python bench/gpt2_parity.py [--layers 12] [--work /tmp/lemma-gpt2-check]

1. transformers creates a random GPT2LMHeadModel (124M, or --layers N of it) and saves it (save_pretrained);
2. the reference in float64 from those weights: logits and loss for two sequences of 64 tokens, the gradients
   of four parameters in full and every parameter's gradient norm; ten AdamW steps in float32 (llm.c's test);
3. `lemma-bench gpt2-check` loads the directory, compares, takes the ten steps, and writes its model back;
4. transformers loads Lemma's directory, and its logits are compared with the ones Lemma computed.
Prints the errors and PASS or FAIL per check.
"""
import json
import os
import subprocess
import sys

import torch
from transformers import GPT2Config, GPT2LMHeadModel

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from safetensors_io import write_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
layers = int(args[args.index("--layers") + 1]) if "--layers" in args else 12
work = args[args.index("--work") + 1] if "--work" in args else "/tmp/lemma-gpt2-check"
os.makedirs(work, exist_ok=True)
torch.set_num_threads(2)
torch.manual_seed(0)

config = GPT2Config(n_layer=layers, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)  # dropout off: steps must be comparable
model = GPT2LMHeadModel(config)
hf_dir = os.path.join(work, "hf")
model.save_pretrained(hf_dir)
ids = torch.randint(0, config.vocab_size, (2, 64))
labels = ids.clone()
labels[1, 50:] = -100

reference = GPT2LMHeadModel.from_pretrained(hf_dir).double().eval()
out = reference(input_ids=ids, labels=labels)
out.loss.backward()
tensors = {"input_ids": ids, "labels": labels, "logits": out.logits.detach().float()}
full = ["transformer.wte.weight", "transformer.h.0.attn.c_attn.weight", f"transformer.h.{layers - 1}.mlp.c_proj.weight",
        "transformer.ln_f.weight"]
named = list(reference.named_parameters())
for name, p in named:
    if name in full:
        tensors["grad." + name] = p.grad.float()
tensors["grad_norms"] = torch.tensor([p.grad.norm().item() for _, p in named], dtype=torch.float32)
reference_file = os.path.join(work, "reference.safetensors")
write_safetensors(reference_file, tensors)

trained = GPT2LMHeadModel.from_pretrained(hf_dir)
trained.train()
optimizer = torch.optim.AdamW(trained.parameters(), lr=1e-4, weight_decay=0.1)
torch_losses = []
for _ in range(10):
    optimizer.zero_grad()
    loss = trained(input_ids=ids, labels=labels).loss
    torch_losses.append(loss.item())
    loss.backward()
    optimizer.step()

lemma_out = os.path.join(work, "lemma")
line = subprocess.run([os.path.join(ROOT, ".build/release/lemma-bench"), "gpt2-check", "--model", hf_dir, "--reference",
                       reference_file, "--out", lemma_out], check=True, capture_output=True, text=True).stdout
lemma = json.loads(line)

exported = GPT2LMHeadModel.from_pretrained(lemma_out).eval()
with torch.no_grad():
    logits = exported(input_ids=ids).logits
from safetensors.torch import load_file  # noqa: E402
lemma_logits = load_file(os.path.join(lemma_out, "lemma_logits.safetensors"))["logits"]
export_error = (logits - lemma_logits).abs().max().item()
loss_gap = max(abs(a - b) / abs(b) for a, b in zip(lemma["adamw_losses"], torch_losses))

checks = [
    ("logits (max error relative to the largest logit)", lemma["logits_max_relative_error"], 1e-4),
    ("loss", abs(lemma["loss"] - out.loss.item()) / out.loss.item(), 1e-5),
    (f"gradients of {lemma['gradients_checked']} parameters in full", lemma["gradients_max_relative_error"], 1e-3),
    ("every parameter's gradient norm", lemma["gradient_norms_max_relative_error"], 1e-3),
    ("ten AdamW steps: losses (float32 on both sides)", loss_gap, 1e-4),
    ("transformers loads Lemma's directory: logits (max abs)", export_error, 1e-3),
]
print(f"GPT-2 {layers} layers, {sum(p.numel() for p in model.parameters()):,} parameters; loss {out.loss.item():.6f}")
failed = False
for name, error, tolerance in checks:
    ok = error <= tolerance
    failed |= not ok
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {error:.2e} (tolerance {tolerance:g})")
print("lemma AdamW losses:", " ".join(f"{x:.5f}" for x in lemma["adamw_losses"]))
print("torch AdamW losses:", " ".join(f"{x:.5f}" for x in torch_losses))
sys.exit(1 if failed else 0)
