#!/usr/bin/env python3
"""Builds data/im2latex-100k/ from the normalized im2latex-100k formula lists (val and test, 17,919 formulas):

    python3 scripts/make_im2latex_dataset.py [SOURCE_DIR]     # default ../shared/data/im2latex-100k

Writes, deterministically (standard library only):
  formulas.lst                  every formula, one per line (val's then test's), named by 0-based line
  train.lst valid.lst test.lst  im2markup's processed split layout, `image_name formula_index`
                                (a seeded shuffle: 1,000 test, 500 valid, the rest train)
  small/train.lst valid.lst test.lst  formulas of at most 24 tokens from each split (2,000 / 100 / 200):
                                the few-minutes configuration
  LICENSE                       the licence the lists were published under
No images are shipped: `lemma prepare` renders them into data/im2latex-100k/images with LaTeX + dvipng.
"""
import os
import random
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "im2latex-100k")


def main(source):
    formulas = []
    for name in ["val.formulas.norm.lst", "test.formulas.norm.lst"]:
        with open(os.path.join(source, name), encoding="utf-8", newline="") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        formulas += lines
    usable = [i for i, f in enumerate(formulas) if f.strip()]
    order = sorted(usable)
    random.Random(20261205).shuffle(order)
    test, valid, train = order[:1000], order[1000:1500], order[1500:]
    os.makedirs(os.path.join(OUT, "small"), exist_ok=True)
    with open(os.path.join(OUT, "formulas.lst"), "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(formulas) + "\n")

    def write(path, indices):
        with open(os.path.join(OUT, path), "w", encoding="utf-8") as f:
            f.writelines(f"{i:05d}.png {i}\n" for i in indices)

    for name, indices, small_cap in [("train", train, 2000), ("valid", valid, 100), ("test", test, 200)]:
        write(f"{name}.lst", indices)
        write(f"small/{name}.lst", [i for i in indices if len(formulas[i].split()) <= 24][:small_cap])
    shutil.copyfile(os.path.join(source, "LICENSE-of-source-repo.txt"), os.path.join(OUT, "LICENSE"))
    print(f"{len(formulas)} formulas ({len(usable)} non-empty): train {len(train)}, valid {len(valid)}, test {len(test)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "data", "im2latex-100k"))
