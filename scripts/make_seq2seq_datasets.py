#!/usr/bin/env python3
"""Builds the paired sets for Lemma's seq2seq workflow bundled in data/ (see docs/DATASETS.md).

    apt-get install metamath-databases        # Debian's set.mm, read below
    python3 scripts/make_seq2seq_datasets.py  # writes data/metamath-latex/
    python3 scripts/make_seq2seq_datasets.py --check

data/metamath-latex/{train,test}.jsonl: each formula of the bundled Metamath classification set
(data/metamath, same train/test split) in Metamath's ASCII symbols as `source`, and as `target` the LaTeX
that set.mm's own typesetting rules (`latexdef` statements of its `$t` comment, what the metamath program's
TeX output uses) give for it: every symbol replaced by its definition, joined by spaces, whitespace
collapsed. A mathematical mapping like seed 002's annotation; context-free per symbol, so a model must
learn many hundreds of symbol definitions and keep them in order.

Standard library only; deterministic (the input order of data/metamath, duplicates of a source dropped,
the first kept). Each line is {"source": ..., "target": ..., "id": ...}.
"""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SET_MM = "/usr/share/metamath/databases/set.mm"
OUT = os.path.join(ROOT, "data", "metamath-latex")
MAX_SOURCE_TOKENS = 40


def typesetting_comment(text):
    """The body of set.mm's `$( $t ... $)` comment."""
    start = text.index("\n$( $t\n")  # a line of its own (the phrase also occurs in prose)
    end = text.index("$)", start)
    return text[start + len("\n$( $t\n"):end]


def scan(body):
    """Tokens of the typesetting language: strings ('...' or "...", the quote doubled inside), `;`, `+`
    and words; C comments skipped (only outside strings: some strings hold "/*")."""
    tokens, i, n = [], 0, len(body)
    while i < n:
        c = body[i]
        if c.isspace():
            i += 1
        elif body.startswith("/*", i):
            i = body.index("*/", i + 2) + 2
        elif c in "\"'":
            j = i + 1
            while True:
                j = body.index(c, j)
                if body.startswith(c * 2, j):
                    j += 2
                    continue
                break
            tokens.append(body[i:j + 1])
            i = j + 1
        elif c in ";+":
            tokens.append(c)
            i += 1
        else:
            j = i
            while j < n and not body[j].isspace() and body[j] not in ";+\"'":
                j += 1
            tokens.append(body[i:j])
            i = j
    return tokens


def latex_definitions(body):
    """latexdef "symbol" as "tex" [+ "more"]... ; (metamath's typesetting statements)."""
    tokens = scan(body)
    definitions = {}
    i = 0
    while i < len(tokens):
        if tokens[i] == "latexdef":
            symbol = unquote(tokens[i + 1])
            assert tokens[i + 2] == "as", tokens[i:i + 4]
            parts = [unquote(tokens[i + 3])]
            i += 4
            while tokens[i] == "+":
                parts.append(unquote(tokens[i + 1]))
                i += 2
            assert tokens[i] == ";", tokens[i - 2:i + 2]
            if symbol in definitions:
                raise SystemExit(f"latexdef for {symbol!r} given twice")
            definitions[symbol] = "".join(parts)
        i += 1
    return definitions


def unquote(token):
    quote = token[0]
    assert quote in "\"'" and token[-1] == quote, token
    return token[1:-1].replace(quote * 2, quote)


def to_latex(formula, definitions):
    pieces = []
    for symbol in formula.split():
        if symbol not in definitions:
            return None
        pieces.append(definitions[symbol])
    return " ".join(" ".join(pieces).split())


def build():
    with open(SET_MM, encoding="utf-8") as f:
        definitions = latex_definitions(typesetting_comment(f.read()))
    print(f"{len(definitions)} latexdef rules from {SET_MM}")
    os.makedirs(OUT, exist_ok=True)
    seen = set()
    stats = {}
    for split in ("train", "test"):
        kept, missing, long = [], 0, 0
        with open(os.path.join(ROOT, "data", "metamath", f"{split}.jsonl"), encoding="utf-8") as f:
            for line in f:
                record = json.loads(line)
                formula = record["text"].split("\n")[-1].strip()
                if len(formula.split()) > MAX_SOURCE_TOKENS:
                    long += 1
                    continue
                if formula in seen:
                    continue
                seen.add(formula)
                latex = to_latex(formula, definitions)
                if latex is None:
                    missing += 1
                    continue
                kept.append({"source": formula, "target": latex, "id": record["id"]})
        path = os.path.join(OUT, f"{split}.jsonl")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            for record in kept:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        os.replace(path + ".tmp", path)
        stats[split] = {"pairs": len(kept), "over_40_tokens": long, "symbol_without_latexdef": missing}
        print(f"{split}: {len(kept)} pairs ({long} over {MAX_SOURCE_TOKENS} source tokens, {missing} with a symbol lacking a rule)")
    with open(os.path.join(OUT, "stats.json"), "w", encoding="utf-8") as f:
        json.dump(stats, f, indent=2, sort_keys=True)
        f.write("\n")


def check():
    ids = set()
    for split in ("train", "test"):
        with open(os.path.join(OUT, f"{split}.jsonl"), encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                record = json.loads(line)
                assert set(record) == {"source", "target", "id"}, (split, number)
                assert record["source"].strip() and record["target"].strip(), (split, number)
                assert record["id"] not in ids, (split, number, record["id"])
                ids.add(record["id"])
    print(f"ok: {len(ids)} pairs")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only validate the committed files")
    if parser.parse_args().check:
        check()
    else:
        build()
        check()
