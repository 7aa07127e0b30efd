#!/usr/bin/env python3
"""PyTorch's side of `lemma-bench gpt2-train` and `gpt2-sample`: transformers' GPT2LMHeadModel at the 124M
config (dropout off, fresh weights), AdamW training steps at B4 T256 and B1 T1024, and sampling with Hugging
Face's `generate` (KV cache, top-k 40, 128 new tokens after a 16-token prompt) at batch 1 and 8. One JSON line
per workload, as lemma-bench prints.

    bench/.venv/bin/python bench/gpt2_torch.py [train|sample] [--repeat N] [--only TEXT]
    python3 bench/compare.py gpt2-train --configs "lemma,pypi,pypi flush SPIN"   # interleaved with Lemma
"""
import json
import os
import statistics
import sys
import time

import torch
from transformers import GPT2Config, GPT2LMHeadModel

torch.set_num_threads(2)
if os.environ.get("LEMMA_BENCH_TORCH_FLUSH") == "1":
    torch.set_flush_denormal(True)
args = sys.argv[1:]
which = args[0] if args and not args[0].startswith("-") else "train"
which = which.removeprefix("gpt2-")  # bench/compare.py passes lemma-bench's workload names
repeats = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 7
only = args[args.index("--only") + 1] if "--only" in args else ""
impl = f"torch {torch.__version__}"

torch.manual_seed(1)
dropout = float(args[args.index("--dropout") + 1]) if "--dropout" in args else 0.0  # GPT-2 trains with 0.1
config = GPT2Config(resid_pdrop=dropout, embd_pdrop=dropout, attn_pdrop=dropout)
model = GPT2LMHeadModel(config)


def median_seconds(body, repeats, warmup=1):
    for _ in range(warmup):
        body()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


if which == "train":
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.1)
    params = sum(p.numel() for p in model.parameters())
    for batch, length in [(4, 256), (1, 1024)]:
        if only not in f"B{batch} T{length}":
            continue
        ids = torch.randint(0, config.vocab_size, (batch, length + 1))
        x, y = ids[:, :-1].contiguous(), ids[:, 1:].contiguous()

        def step():
            loss = torch.nn.functional.cross_entropy(model(input_ids=x).logits.view(-1, config.vocab_size), y.view(-1))
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

        seconds = median_seconds(step, repeats)
        flops = 6 * params * batch * length + 12 * 12 * length * length * 768 * batch
        print(json.dumps({"workload": f"gpt2-124m train B{batch} T{length}" + (f" dropout {dropout}" if dropout else ""), "impl": impl, "ms_per_step": seconds * 1e3,
                          "gflops": flops / seconds / 1e9}), flush=True)
else:
    model.eval()
    new_tokens = 128
    for rows in [1, 8]:
        if only not in f"batch {rows}":
            continue
        prompt = torch.full((rows, 16), 464)

        def sample():
            with torch.no_grad():
                model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=True, top_k=40,
                               max_new_tokens=new_tokens, min_new_tokens=new_tokens, pad_token_id=50256, use_cache=True)

        seconds = median_seconds(sample, max(1, repeats // 2))
        print(json.dumps({"workload": f"gpt2-124m sample batch {rows}", "impl": impl,
                          "tokens_per_second": rows * new_tokens / seconds, "ms_per_token_step": seconds * 1e3 / new_tokens}), flush=True)
