#!/usr/bin/env python3
"""Loads a TensorBoard log directory the way TensorBoard does and prints every scalar series in it, to check
that event files written by Lemma (lemma's TensorBoardWriter) read back as expected.

Needs tensorboard (this script installs nothing itself):
    python3 -m venv /tmp/report-venv && /tmp/report-venv/bin/pip install tensorboard
    /tmp/report-venv/bin/python scripts/check_tensorboard.py runs/my-run/tensorboard

Prints, per tag, the number of points and then `step  wall_time  value` lines (`--max N` shows only the first
and last N/2 of long series). EventAccumulator merges all event files in the directory (a resumed run writes
a new one) and drops points that a restart replays. Exits with status 1 if the directory holds no scalars.
"""
import argparse
import os
import sys

from tensorboard.backend.event_processing import event_accumulator


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", help="a directory holding events.out.tfevents.* files")
    parser.add_argument("--max", type=int, default=20, help="points to show per tag (0: all)")
    args = parser.parse_args()

    if not os.path.isdir(args.directory):
        sys.exit(f"{args.directory}: not a directory")
    files = sorted(f for f in os.listdir(args.directory) if "tfevents" in f)
    print(f"{args.directory}: {len(files)} event file(s)")
    for name in files:
        print(f"  {name} ({os.path.getsize(os.path.join(args.directory, name))} bytes)")

    accumulator = event_accumulator.EventAccumulator(args.directory, size_guidance={event_accumulator.SCALARS: 0})
    accumulator.Reload()
    tags = accumulator.Tags().get("scalars", [])
    if not tags:
        print("no scalars found")
        return 1
    for tag in sorted(tags):
        events = accumulator.Scalars(tag)
        print(f"\n{tag}: {len(events)} point(s)")
        shown = events
        if args.max and len(events) > args.max:
            half = args.max // 2
            shown = events[:half] + [None] + events[-half:]
        for event in shown:
            if event is None:
                print("  ...")
            else:
                print(f"  {event.step:>10}  {event.wall_time:.3f}  {event.value!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
