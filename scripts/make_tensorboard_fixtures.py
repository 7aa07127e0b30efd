#!/usr/bin/env python3
"""Writes the reference event file for LemmaTrain's TensorBoardWriter tests with PyTorch's SummaryWriter
(which frames records with TensorBoard's own EventFileWriter and RecordWriter).

Needs torch and tensorboard (this script installs nothing itself):
    python3 -m venv /tmp/report-venv && /tmp/report-venv/bin/pip install torch tensorboard
    /tmp/report-venv/bin/python scripts/make_tensorboard_fixtures.py Tests/LemmaTrainTests/Fixtures

Writes three files:
- `tensorboard_scalars.tfevents`: the event file exactly as SummaryWriter wrote it (renamed: the real name holds
  the time, host name and process id). Its first record is the file_version event, with the wall time pinned.
- `tensorboard_resumed.tfevents`: a second file, as a resumed run writes it with SummaryWriter(purge_step=...):
  after the file_version event, the purge events (file version at that step, SessionLog START) that make
  TensorBoard drop the first file's points from that step on.
- `tensorboard_scalars.json`: what was written: `versions`, `file_version_wall_time`, `source_writer` (the
  writer name TensorBoard puts in the first event's source metadata), `scalars`, a list of {tag, value, step,
  wall_time}, and `resumed` {file_version_wall_time, purge_step, scalars} for the second file. Values that JSON
  cannot hold are the strings "nan", "inf" and "-inf".
"""
import glob
import json
import math
import os
import shutil
import sys
import tempfile
import time
from unittest import mock

import tensorboard
import torch
from torch.utils.tensorboard import SummaryWriter

out_dir = sys.argv[1] if len(sys.argv) > 1 else "Tests/LemmaTrainTests/Fixtures"
FILE_VERSION_WALL_TIME = 1718000000.25

# Edge cases on purpose: step 0 (left out by proto3), huge steps (10-byte varint for a negative one), a value of
# 0.0 (kept: simple_value sits in a oneof), values that float32 rounds, NaN and infinities, unicode tags.
scalars = [
    ("train/loss", 2.302585092994046, 0, 1718000001.5),
    ("train/loss", 1.75, 1, 1718000002.0),
    ("train/learning_rate", 1e-07, 1, 1718000002.0),
    ("train/loss", 0.1, 127, 1718000003.123456),
    ("train/loss", 0.0, 128, 1718000004.0),
    ("eval/accuracy", 0.8125, 300, 1718000005.999),
    ("eval/macro_f1", -3.5e-12, 16384, 1718000006.0),
    ("train/grad_norm", 1e30, 2**40 + 3, 1718000007.0),
    ("train/grad_norm", float("inf"), 2**62, 1718000008.0),
    ("train/grad_norm", float("-inf"), -1, 1718000009.0),
    ("train/loss", float("nan"), 5000, 1718000010.0),
    ("métrique/précision ∑", 0.333333333333, 7, 1718000011.0),
]


RESUMED_WALL_TIME = 1718000100.5
PURGE_STEP = 128
resumed_scalars = [
    ("train/loss", 0.5, 128, 1718000101.0),
    ("train/loss", 0.25, 129, 1718000102.0),
]


def write_events(path, wall_time, scalars, purge_step=None):
    with tempfile.TemporaryDirectory() as log_dir:
        # SummaryWriter stamps its first events with time.time(); pin it so the file is reproducible.
        with mock.patch("time.time", return_value=wall_time):
            writer = SummaryWriter(log_dir=log_dir, purge_step=purge_step)
        for tag, value, step, scalar_wall_time in scalars:
            writer.add_scalar(tag, value, global_step=step, walltime=scalar_wall_time)
        writer.close()
        (written,) = glob.glob(os.path.join(log_dir, "events.out.tfevents.*"))
        shutil.copyfile(written, path)


def main():
    os.makedirs(out_dir, exist_ok=True)
    write_events(os.path.join(out_dir, "tensorboard_scalars.tfevents"), FILE_VERSION_WALL_TIME, scalars)
    write_events(os.path.join(out_dir, "tensorboard_resumed.tfevents"), RESUMED_WALL_TIME, resumed_scalars,
                 purge_step=PURGE_STEP)

    def json_number(x):
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x

    fixture = {
        "versions": {"torch": torch.__version__, "tensorboard": tensorboard.__version__},
        "file_version_wall_time": FILE_VERSION_WALL_TIME,
        "source_writer": "tensorboard.summary.writer.event_file_writer",
        "scalars": [{"tag": t, "value": json_number(v), "step": s, "wall_time": w} for t, v, s, w in scalars],
        "resumed": {
            "file_version_wall_time": RESUMED_WALL_TIME,
            "purge_step": PURGE_STEP,
            "scalars": [{"tag": t, "value": v, "step": s, "wall_time": w} for t, v, s, w in resumed_scalars],
        },
    }
    with open(os.path.join(out_dir, "tensorboard_scalars.json"), "w", encoding="utf-8") as f:
        json.dump(fixture, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
