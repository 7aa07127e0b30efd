"""A minimal safetensors writer for the fixture scripts (the format is tiny; writing it here also checks
Lemma's reader against a second implementation)."""
import json
import os
import struct

import torch

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8"}


def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        if t.dtype == torch.bfloat16:  # numpy has no bfloat16: take the raw 16-bit patterns
            raw = t.view(torch.int16).numpy().tobytes()
        else:
            raw = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for raw in blobs:
            f.write(raw)
    os.replace(path + ".tmp", path)


def rand(*shape, low=-1.0, high=1.0):
    """Uniform values in [low, high) from torch's global generator."""
    return torch.rand(tuple(shape)) * (high - low) + low


def record_case(fixtures, name, fn, inputs, indices=None):
    """Runs fn(**inputs) (float64), backpropagates a random upstream gradient `gy`, and stores inputs, output,
    gy and the input gradients (`g_<input>`) as float32 under `<name>.`; `indices` are stored as I64."""
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    y = fn(**leaves)
    gy = rand(*y.shape)
    y.backward(gy)
    for k, v in inputs.items():
        fixtures[f"{name}.{k}"] = v.float()
        fixtures[f"{name}.g_{k}"] = leaves[k].grad.float()
    fixtures[f"{name}.y"] = y.detach().float()
    fixtures[f"{name}.gy"] = gy.float()
    for k, v in (indices or {}).items():
        fixtures[f"{name}.{k}"] = v.to(torch.int64)
