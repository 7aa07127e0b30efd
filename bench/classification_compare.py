#!/usr/bin/env python3
"""Lemma against PyTorch on a classification run: trains with `lemma train`, then the same run directory with
bench/classification_torch.py in each PyTorch configuration, and appends one JSON line per run to a log.

    python3 bench/classification_compare.py accuracy --preset cnn [--seeds 42,43,44] [--set key=value …]
                                            [--configs "pypi"] [--log runs/cmp/results.jsonl]
    python3 bench/classification_compare.py throughput --preset rnn --steps 550 [--runs 3] [--set …]
    python3 bench/classification_compare.py table [--log runs/cmp/results.jsonl]

`accuracy` trains on configs/metamath.yaml (or `--config`) with model.arch=PRESET and the overrides, once per seed for each
framework (the PyTorch run reads the Lemma run's directory, so data, split and vocabulary are the same).
`throughput` does the same at batch 8, length 128 for a fixed number of steps (`train.max_steps`), `--runs`
times, interleaving Lemma and the PyTorch configurations. Before every timed run it waits (polling every 30 s,
up to 10 minutes) until the 1-minute load average is below --max-load, and records the load it started at.

Two throughput figures per run, computed the same way for both frameworks:
- end-to-end: training examples over the whole `fit` (evaluations on the validation split, checkpoints,
  restoring the best model included): Lemma's summary.json `examples_per_second`, the script's
  `examples_per_second`;
- steady: examples over the intervals between two logging steps that hold no evaluation or checkpoint, from
  the wall time stamped on each logged loss (Lemma: its TensorBoard event file; PyTorch: time.perf_counter).
`table` prints medians per (kind, preset, framework configuration) as Markdown.
"""
import argparse
import glob
import json
import os
import statistics
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEMMA = os.path.join(ROOT, ".build/release/lemma")
SCRIPT = os.path.join(ROOT, "bench/classification_torch.py")
VENV = os.path.join(ROOT, "bench/.venv/bin/python")
CONFIGS = {
    "debian": (["/usr/bin/python3", SCRIPT], {}),
    "debian PASSIVE": (["/usr/bin/python3", SCRIPT], {"OMP_WAIT_POLICY": "PASSIVE"}),
    "pypi": ([VENV, SCRIPT], {}),
    "pypi fused": ([VENV, SCRIPT, "--fused"], {}),  # AdamW(fused=True), torch >= 2.4
}


def load1():
    return os.getloadavg()[0]


def wait_quiet(max_load, limit=600, poll=30):
    waited = 0
    while load1() >= max_load and waited < limit:
        time.sleep(poll)
        waited += poll
    return round(load1(), 2), waited


# ------------------------------------------------------------------------------- TensorBoard event files

def varint(buffer, position):
    result, shift = 0, 0
    while True:
        byte = buffer[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, position
        shift += 7


def fields(buffer):
    """(field number, wire type, value) of a protobuf message; value is bytes for length-delimited fields."""
    position = 0
    while position < len(buffer):
        key, position = varint(buffer, position)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, position = varint(buffer, position)
        elif wire == 1:
            value = buffer[position:position + 8]
            position += 8
        elif wire == 2:
            size, position = varint(buffer, position)
            value = buffer[position:position + size]
            position += size
        elif wire == 5:
            value = buffer[position:position + 4]
            position += 4
        else:
            raise ValueError(f"wire type {wire}")
        yield number, wire, value


def scalar_events(run_dir):
    """(wall_time, step, tag) of every scalar in the run's TensorBoard files (Event: wall_time 1, step 2,
    summary 5 → Value 1 → tag 1)."""
    events = []
    for path in sorted(glob.glob(os.path.join(run_dir, "tensorboard", "events.out.tfevents.*"))):
        data = open(path, "rb").read()
        position = 0
        while position + 12 <= len(data):
            size = struct.unpack_from("<Q", data, position)[0]
            record = data[position + 12:position + 12 + size]
            position += 12 + size + 4
            wall, step, tags = None, 0, []
            for number, wire, value in fields(record):
                if number == 1 and wire == 1:
                    wall = struct.unpack("<d", value)[0]
                elif number == 2 and wire == 0:
                    step = value
                elif number == 5 and wire == 2:
                    for n, w, v in fields(value):
                        if n == 1 and w == 2:
                            tags += [bytes(t).decode() for tn, tw, t in fields(v) if tn == 1 and tw == 2]
            for tag in tags:
                events.append((wall, step, tag))
    return events


def lemma_steady(run_dir, batch_size):
    """Steady training examples/s from the wall times of the logged losses, skipping intervals that hold an
    evaluation (and its checkpoint); every step counted as a full batch."""
    events = scalar_events(run_dir)
    logs = sorted({(step, wall) for wall, step, tag in events if tag.endswith("loss") and "eval" not in tag})
    evaluations = {step for _, step, tag in events if "eval" in tag}
    examples, seconds = 0, 0.0
    for (a, ta), (b, tb) in zip(logs, logs[1:]):
        if any(a <= e < b for e in evaluations):
            continue
        examples += (b - a) * batch_size
        seconds += tb - ta
    return examples / seconds if seconds > 0 else None


# ------------------------------------------------------------------------------- runs

def lemma_train(output, preset, overrides, config="configs/metamath.yaml", env=None):
    command = [LEMMA, "train", "--config", config, "--set", f"model.arch={preset}"]
    for override in overrides:
        command += ["--set", override]
    command += ["--output", output]
    started = time.time()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    wall = time.time() - started
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stderr[-3000:]}")
    summary = json.load(open(os.path.join(output, "summary.json")))
    evaluation = json.load(open(os.path.join(output, "evaluation.json")))["metrics"]
    checkpoints = sorted(glob.glob(os.path.join(output, "checkpoints", "checkpoint-*")))
    state = json.load(open(os.path.join(checkpoints[-1], "trainer_state.json")))
    config = open(os.path.join(output, "config.yaml")).read()
    batch_size = int(next(l.split(":")[1] for l in config.splitlines() if l.strip().startswith("batch_size:")))
    # summary.json's training_seconds is 0 in a single-session run: the trainer adds the session's time to
    # its state after building the result. The span itself is examples_seen / examples_per_second.
    seconds = state["examples_seen"] / summary["examples_per_second"]
    return {"framework": "lemma", "config": "lemma", "command": " ".join(command[1:]),
            "accuracy": evaluation["accuracy"], "macro_f1": evaluation["macro_f1"],
            "weighted_f1": evaluation["weighted_f1"], "loss": evaluation["loss"],
            "steps": summary["steps"], "epochs": summary["epochs"], "stop_reason": summary["stop_reason"],
            "best_step": summary["best_step"], "parameters": summary["parameters"],
            "training_seconds": seconds, "examples_per_second": summary["examples_per_second"],
            "steady_examples_per_second": lemma_steady(output, batch_size), "process_seconds": wall}


def torch_train(config, run_dir, extra):
    command, env = CONFIGS[config]
    full_env = dict(os.environ, **env)
    started = time.time()
    completed = subprocess.run(command + [run_dir] + extra, cwd=ROOT, capture_output=True, text=True, env=full_env)
    if completed.returncode != 0:
        raise SystemExit(f"{config}: {completed.stderr[-3000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result.update(config=config, process_seconds=time.time() - started,
                  command=" ".join(f"{k}={v}" for k, v in env.items()).strip() + (" " if env else "")
                  + ("bench/.venv/bin/python" if config.startswith("pypi") else "/usr/bin/python3")
                  + " bench/classification_torch.py " + os.path.relpath(run_dir, ROOT) + " "
                  + " ".join(command[2:] + extra))
    return result


def append(log, record):
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, "a") as f:
        f.write(json.dumps(record) + "\n")
    shown = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in record.items() if k != "command"}
    print(json.dumps(shown), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["accuracy", "throughput", "table"])
    parser.add_argument("--preset")
    parser.add_argument("--seeds", default="42,43,44")
    parser.add_argument("--steps", type=int, default=550)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--config", default="configs/metamath.yaml", help="the Lemma run configuration")
    parser.add_argument("--set", action="append", default=[], dest="overrides")
    parser.add_argument("--configs", default="debian,debian PASSIVE,pypi",
                        help="comma-separated: debian, debian PASSIVE, pypi, pypi fused")
    parser.add_argument("--torch-args", default="", help="extra arguments for classification_torch.py")
    parser.add_argument("--max-load", type=float, default=1.5)
    parser.add_argument("--tag", default="", help="label stored with the records")
    parser.add_argument("--run-dir", help="throughput: time only PyTorch, on this existing Lemma run directory")
    parser.add_argument("--log", default=os.path.join(ROOT, "runs/cmp/results.jsonl"))
    args = parser.parse_args()
    if args.kind == "table":
        return table(args.log)
    configs = [c for c in args.configs.split(",") if c]
    extra = args.torch_args.split()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if args.kind == "accuracy":
        for seed in [int(s) for s in args.seeds.split(",")]:
            output = os.path.join(ROOT, "runs/cmp", f"acc-{args.preset}-s{seed}-{stamp}")
            overrides = args.overrides + [f"train.seed={seed}"]
            load, waited = wait_quiet(args.max_load)
            record = lemma_train(output, args.preset, overrides, args.config)
            append(args.log, dict(record, kind="accuracy", preset=args.preset, seed=seed, load=load, waited=waited,
                                  run_dir=output, tag=args.tag, overrides=overrides))
            for config in configs:
                load, waited = wait_quiet(args.max_load)
                record = torch_train(config, output, extra)
                append(args.log, dict(record, kind="accuracy", preset=args.preset, seed=seed, load=load,
                                      waited=waited, run_dir=output, tag=args.tag, overrides=overrides))
    else:
        overrides = ["train.batch_size=8", "tokenizer.max_length=128", f"train.max_steps={args.steps}",
                     "train.logging_steps=25"] + args.overrides
        for run in range(args.runs):
            output = args.run_dir or os.path.join(ROOT, "runs/cmp", f"tput-{args.preset}-r{run}-{stamp}")
            if not args.run_dir:
                load, waited = wait_quiet(args.max_load)
                record = lemma_train(output, args.preset, overrides, args.config)
                append(args.log, dict(record, kind="throughput", preset=args.preset, run=run, load=load,
                                      waited=waited, run_dir=output, tag=args.tag, overrides=overrides))
            for config in configs:
                load, waited = wait_quiet(args.max_load)
                record = torch_train(config, output, extra)
                append(args.log, dict(record, kind="throughput", preset=args.preset, run=run, load=load,
                                      waited=waited, run_dir=output, tag=args.tag, overrides=overrides))


def table(log):
    records = [json.loads(line) for line in open(log)]
    groups = {}
    for r in records:
        key = (r["kind"], r["preset"], r.get("tag", ""), r["config"] + (f" [{r['rnn_input']}]" if r.get("rnn_input") else "")
               + (" foreach" if r.get("foreach") else "") + (" fused" if r.get("fused") and "fused" not in r["config"] else ""))
        groups.setdefault(key, []).append(r)
    print("| kind | preset | tag | implementation | n | accuracy | macro F1 | weighted F1 | train s | ex/s end-to-end | ex/s steady | loads |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (kind, preset, tag, config), rs in sorted(groups.items()):
        med = lambda k: statistics.median(r[k] for r in rs if r.get(k) is not None)
        print(f"| {kind} | {preset} | {tag} | {config} | {len(rs)} | {med('accuracy'):.4f} | {med('macro_f1'):.4f} | "
              f"{med('weighted_f1'):.4f} | {med('training_seconds'):.1f} | {med('examples_per_second'):.0f} | "
              f"{med('steady_examples_per_second'):.0f} | {', '.join(str(r['load']) for r in rs)} |")


if __name__ == "__main__":
    main()
