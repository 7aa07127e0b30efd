#!/usr/bin/env python3
"""PyTorch reference for Lemma's im2latex model (Tests/LemmaModelsTests/Fixtures/im2markup_tiny.safetensors):

    /usr/bin/python3 scripts/make_im2latex_fixtures.py Tests/LemmaModelsTests/Fixtures

scripts/im2latex_torch.py's `Im2Markup` at tiny sizes (vocabulary 11, CNN 4-6-8-8-10-10, row encoder 5 per
direction over at most 6 rows, embedding 7, decoder 9), BatchNorm statistics randomized, in training mode
(batch statistics), float64, stored as float32. Under `<case>.` for `row` (im2markup) and `norow` (seed 003's
encoder, no row encoder):
  param.<key>          the state dict before the forward pass (num_batches_tracked as float)
  images [2,1,24,40]   inputs [2,5], targets [2,5] (I64; pad 0, bos 1, eos 2)
  logits [2,5,11], loss (cross-entropy over non-pad targets), grad.<key> for every parameter
  after.<key>          BatchNorm running statistics after the forward pass
  eval.logits          the same inputs in eval mode (running statistics)
and seed 003's model (`Untrix`: CNN 3-4-5-6-6, canvas 64x96, embedding 7, two peephole LSTMs of 9, output MLP 8)
under `strips` (I2L-STRIPS; images [2,1,20,50], centred on the canvas) and `nopool` (I2L-NOPOOL; images
[2,1,70,100], larger than the canvas, shrunk by 2 first): param.*, images, inputs, targets, logits, loss, grad.*.
"""
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from im2latex_torch import Im2Markup, Untrix, loss  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402

torch.set_default_dtype(torch.float64)
fixtures = {}


def training_step(name, model, image_size):
    """Records one teacher-forced step of `model` on random images of `image_size`: inputs, logits, loss and
    every parameter's gradient; returns the images and inputs."""
    images = torch.rand(2, 1, *image_size)
    inputs = torch.tensor([[1, 5, 7, 3, 9], [1, 4, 10, 0, 0]])
    targets = torch.tensor([[5, 7, 3, 9, 2], [4, 10, 2, 0, 0]])
    logits = model(images, inputs)
    value = loss(logits, targets, 0)
    value.backward()
    fixtures[f"{name}.images"] = images.float()
    fixtures[f"{name}.inputs"] = inputs
    fixtures[f"{name}.targets"] = targets
    fixtures[f"{name}.logits"] = logits.detach().float()
    fixtures[f"{name}.loss"] = value.detach().float().reshape(1)
    for k, p in model.named_parameters():
        fixtures[f"{name}.grad.{k}"] = p.grad.float()
    return images, inputs


def case(name, row_hidden, seed):
    torch.manual_seed(seed)
    model = Im2Markup(11, cnn_widths=(4, 6, 8, 8, 10, 10), row_encoder_hidden=row_hidden, max_rows=6, embedding=7,
                      decoder_hidden=9)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2)
    for k, v in model.state_dict().items():
        fixtures[f"{name}.param.{k}"] = v.detach().float()
    model.train()
    images, inputs = training_step(name, model, (24, 40))
    for k, v in model.state_dict().items():
        if "running" in k:
            fixtures[f"{name}.after.{k}"] = v.detach().float()
    model.eval()
    with torch.no_grad():
        fixtures[f"{name}.eval.logits"] = model(images, inputs).float()


def untrix_case(name, strips, image_size, seed):
    torch.manual_seed(seed)
    model = Untrix(11, cnn_widths=(3, 4, 5, 6, 6), canvas=(64, 96), strips=strips, embedding=7, decoder_hidden=9, layers=2,
                   output_hidden=8)
    with torch.no_grad():  # livelier than the default initialization, so every part shows in the gradients
        for p in model.parameters():
            p.uniform_(-0.4, 0.4)
    for k, v in model.state_dict().items():
        fixtures[f"{name}.param.{k}"] = v.detach().float()
    training_step(name, model, image_size)


case("row", 5, 1)
case("norow", 0, 2)
untrix_case("strips", True, (20, 50), 3)
untrix_case("nopool", False, (70, 100), 4)
out_dir = sys.argv[1] if len(sys.argv) > 1 else "Tests/LemmaModelsTests/Fixtures"
path = os.path.join(out_dir, "im2markup_tiny.safetensors")
write_safetensors(path, fixtures, {"torch": torch.__version__})
with open(path, "rb") as f:  # read the header back: every tensor is there
    header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
assert sorted(k for k in header if k != "__metadata__") == sorted(fixtures)
print(f"wrote {len(fixtures)} tensors, {os.path.getsize(path)} bytes, to {path}")
