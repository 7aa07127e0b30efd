#!/usr/bin/env python3
"""A GPT-2 TensorFlow checkpoint written by TensorFlow itself, in the layout of OpenAI's release and
nshepperd's fine-tuning scripts (seed 001), for Tests/LemmaModelsTests/Fixtures/gpt2-tiny-tf/.

    bench/.venv/bin/pip install tensorflow-cpu safetensors numpy
    bench/.venv/bin/python scripts/make_gpt2_tf_fixtures.py Tests/LemmaModelsTests/Fixtures

The weights are those of the transformers fixture (gpt2-tiny/, made by make_gpt2_fixtures.py) under OpenAI's
names (`model/wte`, `model/h0/attn/c_attn/w` as [1, in, out], layer norms `g`/`b`), plus what a fine-tuning
checkpoint also holds (an Adam slot, `global_step`), saved with tf.compat.v1.train.Saver; hparams.json beside
it. The .meta graph file is removed (a reader needs only .index and .data). The test loads both directories
and expects identical weights.
"""
import json
import os
import sys

import numpy as np
import tensorflow as tf
from safetensors.numpy import load_file

out = sys.argv[1]
source = os.path.join(out, "gpt2-tiny")
config = json.load(open(os.path.join(source, "config.json")))
weights = load_file(os.path.join(source, "model.safetensors"))


def tf_name(key):
    parts = key.split(".")
    if parts[0] == "transformer":
        parts = parts[1:]
    if parts[0] == "h":
        parts = ["h" + parts[1]] + parts[2:]
    if parts[-1] == "weight":
        if parts[0] in ("wte", "wpe"):
            parts = parts[:-1]
        else:
            parts[-1] = "g" if parts[-2].startswith("ln_") else "w"
    elif parts[-1] == "bias":
        parts[-1] = "b"
    return "model/" + "/".join(parts)


target = os.path.join(out, "gpt2-tiny-tf")
os.makedirs(target, exist_ok=True)
tf.compat.v1.disable_eager_execution()
graph_vars = []
for key, value in sorted(weights.items()):
    if key.endswith(".attn.bias") or key == "lm_head.weight":
        continue
    if value.ndim == 2 and any(k in key for k in ("c_attn", "c_proj", "c_fc")):
        value = value[np.newaxis]  # OpenAI's width-1 convolution: [1, in, out]
    graph_vars.append(tf.compat.v1.Variable(value, name=tf_name(key)))
graph_vars.append(tf.compat.v1.Variable(np.zeros((45, 135), np.float32), name="model/h0/attn/c_attn/w/Adam"))
graph_vars.append(tf.compat.v1.Variable(np.int64(1000), name="global_step"))
saver = tf.compat.v1.train.Saver(graph_vars)
with tf.compat.v1.Session() as session:
    session.run(tf.compat.v1.global_variables_initializer())
    saver.save(session, os.path.join(target, "model.ckpt"), write_meta_graph=False)
json.dump({"n_vocab": config["vocab_size"], "n_ctx": config["n_positions"], "n_embd": config["n_embd"],
           "n_head": config["n_head"], "n_layer": config["n_layer"]}, open(os.path.join(target, "hparams.json"), "w"), indent=2)
print(sorted(os.listdir(target)))
