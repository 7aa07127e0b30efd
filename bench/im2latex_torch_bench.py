#!/usr/bin/env python3
"""PyTorch's side of `lemma-bench im2latex`: scripts/im2latex_torch.py's im2markup model at its own sizes on a
batch of 20 grey 64x256 images and a 500-token vocabulary — the CNN encoder's forward and backward (training
mode), the row encoder's and the decoder's forward and backward on their own, a training step (teacher-forced
loss over 40 tokens, backward, Adam), and beam-5 decoding of one image for 40 steps (a plain batched beam
search over the 5 rows reading the image's one memory, as Lemma's does; no stop token). One JSON line per workload.
    python3 bench/im2latex_torch_bench.py [--repeat N] [--only encoder|rows|decoder|step|beam] [--beam-memory repeated]
    python3 bench/compare.py im2latex          # interleaved with Lemma
"""
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from im2latex_torch import Im2Markup, loss  # noqa: E402

torch.set_num_threads(2)
if os.environ.get("LEMMA_BENCH_TORCH_FLUSH") == "1":
    torch.set_flush_denormal(True)
args = sys.argv[1:]
repeats = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 7
only = args[args.index("--only") + 1] if "--only" in args else ""
impl = f"torch {torch.__version__}"
torch.manual_seed(21)
model = Im2Markup(500)
images = torch.rand(20, 1, 64, 256)


def median_seconds(body):
    body()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def report(workload, seconds):
    print(json.dumps({"workload": workload, "impl": impl, "ms_per_step": seconds * 1e3}), flush=True)


if only in "encoder":
    def encoder():
        model.cnn(images).sum().backward()
        model.zero_grad(set_to_none=False)
    report("im2latex CNN encoder fwd+bwd, batch 20, 64×256", median_seconds(encoder))

def teacher_forced_tokens():
    ids = torch.randint(3, 500, (20, 41))
    return ids[:, :-1].contiguous(), ids[:, 1:].contiguous()


# The two recurrent parts of a step on their own, inputs requiring gradients as in training.
if only in "rows":
    features = torch.randn(20, 512, 8, 32, requires_grad=True)

    def rows():
        model.row_encoder(features).sum().backward()
        model.zero_grad(set_to_none=False)
        features.grad = None
    report("im2latex row encoder fwd+bwd, batch 20, 8×32 grid", median_seconds(rows))

if only in "decoder":
    memory = torch.randn(20, 256, 512, requires_grad=True)
    inputs, targets = teacher_forced_tokens()

    def decoder():
        state = {"h": torch.zeros(1, 20, 512), "c": torch.zeros(1, 20, 512), "feed": torch.zeros(20, 512),
                 "memory": memory, "keys": model.attention(memory)}
        outputs = []
        for t in range(inputs.shape[1]):
            attended, state, _ = model.step(inputs[:, t], state)
            outputs.append(attended)
        loss(model.logits(torch.stack(outputs, 1)), targets, 0).backward()
        model.zero_grad(set_to_none=False)
        memory.grad = None
    report("im2latex decoder fwd+bwd, batch 20, 40 tokens over 256 positions", median_seconds(decoder))

if only in "step":
    inputs, targets = teacher_forced_tokens()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)

    def step():
        value = loss(model(images, inputs), targets, 0)
        value.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=False)
    report("im2latex training step (im2markup), batch 20, 64×256, 40 tokens", median_seconds(step))

if only in "beam":
    model.eval()
    one = images[:1]
    # By default the beams read the image's one memory and keys (Lemma's strategy: with one image, every beam's
    # attention is one [beams, hidden] × [hidden, positions] product, and nothing is copied per step);
    # --beam-memory repeated gives each beam its own copy and reorders it with the states, as a PyTorch user
    # following `encode`'s layout writes it (the slower of the two here).
    repeated = "--beam-memory" in args and args[args.index("--beam-memory") + 1] == "repeated"

    @torch.no_grad()
    def beam(beams=5, steps=40, repeated=repeated):
        state = model.encode(one)
        # One memory for the image's rows (model.step reads a 2-D memory as shared), or a copy per row.
        shared = {} if repeated else {"memory": state["memory"][0], "keys": state["keys"][0]}
        state = {k: shared[k] if k in shared else v.repeat_interleave(beams, 1) if k in ("h", "c")
                 else v.repeat_interleave(beams, 0) for k, v in state.items()}
        tokens = torch.full((beams,), 1, dtype=torch.long)
        scores = torch.tensor([0.0] + [-float("inf")] * (beams - 1))
        history = []
        for _ in range(steps):
            attended, state, _ = model.step(tokens, state)
            logp = torch.log_softmax(model.output(attended), 1) + scores[:, None]
            top, flat = logp.view(-1).topk(beams)
            rows, tokens = flat // logp.shape[1], flat % logp.shape[1]
            scores = top
            state = {k: v if k in shared else v[:, rows] if k in ("h", "c") else v[rows] for k, v in state.items()}
            history = [h[rows] for h in history] + [tokens]
        return torch.stack(history, 1)[0]
    assert torch.equal(beam(repeated=False), beam(repeated=True)), "the two memory layouts decode differently"
    report("im2latex beam-5 decoding, one 64×256 image, 40 steps", median_seconds(beam))
