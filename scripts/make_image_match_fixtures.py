#!/usr/bin/env python3
"""Fixtures for Lemma's im2latex image metrics (Tests/LemmaTrainTests/Fixtures/image_match/), scored by
im2markup's own scripts/evaluation/evaluate_image.py:

    bench/.venv/bin/pip install Levenshtein distance pillow numpy
    bench/.venv/bin/python scripts/make_image_match_fixtures.py IM2MARKUP_CHECKOUT [OUT_DIR]

Renders gold/predicted formula pairs with latex + dvipng (200 dpi, tight box, as Lemma renders), then calls
evaluate_image.img_edit_distance_file on each pair and writes `expected.tsv`: name, edit distance, reference
columns, match, match without whitespace. The script is Python 2 code; under Python 3 its `map` returns an
iterator where it expects a list, so the module's `map` is replaced by a list-returning one before use; and
it imports matplotlib only for plotting code that is commented out, so empty stand-ins are registered.
"""
import builtins
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import types

PAIRS = [
    ("same", r"x ^ { 2 } + y ^ { 2 }", r"x ^ { 2 } + y ^ { 2 }"),
    ("same_tokens_respaced", r"a + b", r"a \, + b"),
    ("one_symbol", r"\alpha + \beta", r"\alpha + \gamma"),
    ("missing_term", r"a + b + c", r"a + b"),
    ("extra_term", r"a + b", r"a + b + c + d"),
    ("fraction", r"\frac { 1 } { 2 } x", r"\frac { 1 } { 3 } x"),
    ("subscript", r"x _ { i }", r"x _ { j }"),
    ("taller_prediction", r"a b", r"\frac { a } { b }"),
    ("sum", r"\sum _ { i = 1 } ^ { n } i", r"\sum _ { i = 0 } ^ { n } i"),
    ("blank_prediction", r"x = 1", None),
    ("wide_space", r"a \quad b", r"a b"),
    ("long", r"\int _ { 0 } ^ { \infty } e ^ { - x ^ { 2 } } d x = \frac { \sqrt { \pi } } { 2 }",
     r"\int _ { 0 } ^ { \infty } e ^ { - x ^ { 2 } } d x = \frac { \sqrt { \pi } } { 3 }"),
]

TEMPLATE = "\\documentclass[12pt]{article}\n\\pagestyle{empty}\n\\usepackage{amsmath}\n\\begin{document}\n" \
           "\\begin{displaymath}\n%s\n\\end{displaymath}\n\\end{document}\n"


def render(formula, path):
    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, "f.tex"), "w") as f:
            f.write(TEMPLATE % formula)
        subprocess.run(["latex", "-interaction=nonstopmode", "-halt-on-error", "f.tex"], cwd=work, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["dvipng", "-q", "-D", "200", "-T", "tight", "-bg", "White", "-o", "f.png", "f.dvi"], cwd=work,
                       check=True, stdout=subprocess.DEVNULL)
        shutil.copyfile(os.path.join(work, "f.png"), path)


def main(checkout, out_dir):
    for name in ["matplotlib", "matplotlib.pyplot", "matplotlib.colors"]:
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["matplotlib.colors"].LinearSegmentedColormap = None
    spec = importlib.util.spec_from_file_location("evaluate_image", os.path.join(checkout, "scripts/evaluation/evaluate_image.py"))
    sys.path.insert(0, os.path.join(checkout, "scripts/evaluation"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.map = lambda f, xs: list(builtins.map(f, xs))
    os.makedirs(out_dir, exist_ok=True)
    rows = []
    for name, gold, predicted in PAIRS:
        gold_path = os.path.join(out_dir, f"{name}.gold.png")
        pred_path = os.path.join(out_dir, f"{name}.pred.png")
        render(gold, gold_path)
        if predicted is not None:
            render(predicted, pred_path)
        edits, reference, match, match_ws = module.img_edit_distance_file(gold_path, pred_path)
        rows.append(f"{name}\t{edits}\t{reference}\t{int(match)}\t{int(match_ws)}")
    with open(os.path.join(out_dir, "expected.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "Tests/LemmaTrainTests/Fixtures/image_match")
