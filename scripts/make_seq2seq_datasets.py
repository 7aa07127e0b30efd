#!/usr/bin/env python3
"""Builds the paired sets for Lemma's seq2seq workflow bundled in data/ (see docs/DATASETS.md).

    apt-get install metamath-databases sword-text-kjv sword-text-sparv diatheke   # the sources read below
    python3 scripts/make_seq2seq_datasets.py  # writes data/metamath-latex/ and data/bible-en-es/
    python3 scripts/make_seq2seq_datasets.py --check

data/metamath-latex/{train,test}.jsonl: each formula of the bundled Metamath classification set
(data/metamath, same train/test split) in Metamath's ASCII symbols as `source`, and as `target` the LaTeX
that set.mm's own typesetting rules (`latexdef` statements of its `$t` comment, what the metamath program's
TeX output uses) give for it: every symbol replaced by its definition, joined by spaces, whitespace
collapsed. A mathematical mapping like seed 002's annotation; context-free per symbol, so a model must
learn many hundreds of symbol definitions and keep them in order.

data/bible-en-es/{train,test}.jsonl: English → Spanish Bible verses: the King James Version (1769 text,
CrossWire module engKJV2006eb) and the Reina-Valera 1909 (spaRV1909eb), both public domain, read with
diatheke's plain output; verses with at most 30 words on each side (fastai's seq2seq length limit), markup
removed (paragraph marks, Strong's tags), psalm titles that diatheke prints between verses left out; 5% of
verses in the test split, chosen by the SHA-256 of the verse reference.

Standard library only; deterministic (the input order of data/metamath, duplicates of a source dropped,
the first kept). Each line is {"source": ..., "target": ..., "id": ...}.
"""
import argparse
import hashlib
import re
import subprocess
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SET_MM = "/usr/share/metamath/databases/set.mm"
OUT = os.path.join(ROOT, "data", "metamath-latex")
BIBLE_OUT = os.path.join(ROOT, "data", "bible-en-es")
BIBLE_MAX_WORDS = 30
VERSE = re.compile(r"^\s*(.+?) (\d+):(\d+): ?(.*)$")
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


def bible_verses(module):
    """Reference → text of every verse diatheke prints for the module, in canonical order."""
    text = subprocess.run(["diatheke", "-b", module, "-f", "plain", "-k", "Genesis 1:1-Revelation 22:21"],
                          check=True, capture_output=True, text=True).stdout
    verses = {}
    for line in text.splitlines():
        match = VERSE.match(line)
        if not match:
            continue  # the module name at the end, blank lines, and psalm titles printed between verses
        body = re.sub(r"<[^>]*>", " ", match.group(4)).replace("\u00b6", " ")
        verses[f"{match.group(1)} {match.group(2)}:{match.group(3)}"] = " ".join(body.split())
    return verses


def build_bible():
    english, spanish = bible_verses("engKJV2006eb"), bible_verses("spaRV1909eb")
    print(f"{len(english)} KJV verses, {len(spanish)} RV1909 verses")
    splits = {"train": [], "test": []}
    long = missing = 0
    for reference, source in english.items():
        target = spanish.get(reference, "")
        if not source or not target:
            missing += 1
            continue
        if len(source.split()) > BIBLE_MAX_WORDS or len(target.split()) > BIBLE_MAX_WORDS:
            long += 1
            continue
        split = "test" if int(hashlib.sha256(reference.encode()).hexdigest(), 16) % 20 == 0 else "train"
        splits[split].append({"source": source, "target": target, "id": reference})
    os.makedirs(BIBLE_OUT, exist_ok=True)
    stats = {"over_30_words": long, "missing_or_empty": missing}
    for split, records in splits.items():
        path = os.path.join(BIBLE_OUT, f"{split}.jsonl")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            for record in records:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        os.replace(path + ".tmp", path)
        stats[split] = len(records)
        print(f"bible {split}: {len(records)} pairs")
    with open(os.path.join(BIBLE_OUT, "stats.json"), "w", encoding="utf-8") as f:
        json.dump(stats, f, indent=2, sort_keys=True)
        f.write("\n")


def check():
    for directory in (OUT, BIBLE_OUT):
        ids = set()
        for split in ("train", "test"):
            with open(os.path.join(directory, f"{split}.jsonl"), encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    record = json.loads(line)
                    assert set(record) == {"source", "target", "id"}, (directory, split, number)
                    assert record["source"].strip() and record["target"].strip(), (directory, split, number)
                    assert record["id"] not in ids, (directory, split, number, record["id"])
                    ids.add(record["id"])
        print(f"ok: {directory}: {len(ids)} pairs")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only validate the committed files")
    if parser.parse_args().check:
        check()
    else:
        build()
        build_bible()
        check()
