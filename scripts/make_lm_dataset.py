#!/usr/bin/env python3
"""Builds data/metamath-proofs/: Metamath's set.mm theorems with their proofs, as text for GPT-2 (seed 001
fine-tunes GPT-2 on proofs and samples "ideas for next steps in a proof").

    apt-get install metamath-databases        # /usr/share/metamath/databases/set.mm (CC0)
    python3 scripts/make_lm_dataset.py        # writes data/metamath-proofs/{train,test}.jsonl (about 10 s)

Not committed (23 MB): scripts/setup.sh installs metamath-databases, and this script makes the set from it.

One document per theorem ($p statement), in the order of set.mm:

    theorem mpd
    ( Modus ponens deduction. ... )            <- the comment before it, whitespace collapsed, at most 500 chars
    hypothesis mpd.1 |- ( ph -> ps )
    hypothesis mpd.2 |- ( ph -> ( ps -> ch ) )
    assertion |- ( ph -> ch )
    proof mpd.1 mpd.2 mpd.1 ... mpd            <- the proof's essential steps (|- statements), in the order the
                                                  proof applies them (reverse Polish), at most 120; the
                                                  syntax-building (wff/class/setvar) steps are left out, as the
                                                  metamath program's `show proof /essential` does

Compressed proofs are expanded here (the letters A-T, U-Y and Z of the Metamath book's appendix B); a step
that re-uses a tagged earlier step ("Z") is written as that step's label again. 5% of theorems, chosen by
the SHA-256 of their label, go to test.jsonl. Standard library only; deterministic.
"""
import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SET_MM = "/usr/share/metamath/databases/set.mm"
OUT = os.path.join(ROOT, "data", "metamath-proofs")
MAX_COMMENT, MAX_STEPS = 500, 120
POSITION = {}  # label -> its place in the file, for ordering mandatory hypotheses


def tokens_with_comments(text):
    """Whitespace-separated tokens; a comment `$( ... $)` becomes one ('$(', body) token."""
    words = text.split()
    i = 0
    while i < len(words):
        if words[i] == "$(":
            j = words.index("$)", i + 1)
            yield ("$(", " ".join(words[i + 1:j]))
            i = j + 1
        else:
            yield words[i]
            i += 1


def decompress(labels, letters):
    """The step numbers of a compressed proof: 1-based indices into `labels`, and -k for the k-th tagged step."""
    steps, number, tagged = [], 0, 0
    for c in letters:
        if "U" <= c <= "Y":
            number = number * 5 + ord(c) - ord("U") + 1
        elif "A" <= c <= "T":
            number = number * 20 + ord(c) - ord("A") + 1
            steps.append(number if number <= len(labels) else -(number - len(labels)))
            number = 0
        elif c == "Z":
            tagged += 1
            steps.append(("tag", tagged))
        elif c == "?":
            steps.append(None)
    return steps


def main():
    text = open(SET_MM, encoding="utf-8").read()
    typecode = {}  # label -> first symbol of its statement
    statement = {}  # label -> statement text
    scopes = [{"f": [], "e": []}]  # hypotheses in scope: lists of (label, variable or statement)
    last_comment = ""
    documents = []
    stream = tokens_with_comments(text)
    pending_label = None
    for token in stream:
        if isinstance(token, tuple):
            last_comment = token[1]
            continue
        if token == "${":
            scopes.append({"f": [], "e": []})
        elif token == "$}":
            scopes.pop()
        elif token in ("$c", "$v", "$d"):
            while next(stream) != "$.":
                pass
        elif token in ("$f", "$e", "$a", "$p"):
            label = pending_label
            body = []
            for t in stream:
                if isinstance(t, tuple):
                    continue
                if t in ("$.", "$="):
                    break
                body.append(t)
            typecode[label] = body[0]
            POSITION.setdefault(label, len(POSITION))
            statement[label] = " ".join(body)
            if token == "$f":
                scopes[-1]["f"].append((label, body[1]))
            elif token == "$e":
                scopes[-1]["e"].append((label, body))
            elif token == "$p":
                proof = []
                for t in stream:
                    if isinstance(t, tuple):
                        continue
                    if t == "$.":
                        break
                    proof.append(t)
                documents.append(theorem_document(label, body, proof, scopes, typecode, last_comment))
            last_comment = "" if token in ("$a", "$p") else last_comment
        elif not token.startswith("$"):
            pending_label = token
    return documents


def theorem_document(label, body, proof, scopes, typecode, comment):
    essentials = [(l, s) for scope in scopes for l, s in scope["e"]]
    variables = set(body[1:]) | {v for _, s in essentials for v in s[1:]}
    floats = [(l, v) for scope in scopes for l, v in scope["f"] if v in variables]
    # Mandatory hypotheses in the order they appear in the file: $f and $e statements interleave by position,
    # which the scope lists keep per kind; merge them by the order labels were first seen.
    order = POSITION
    mandatory = sorted([l for l, _ in floats] + [l for l, _ in essentials], key=lambda l: order[l])
    if proof and proof[0] == "(":
        end = proof.index(")")
        labels = mandatory + proof[1:end]
        numbers = decompress(labels, "".join(proof[end + 1:]))
        steps, tags = [], []
        for n in numbers:
            if isinstance(n, tuple):
                tags.append(steps[-1] if steps else None)
                continue
            if n is None:
                steps.append("?")
            elif n > 0:
                steps.append(labels[n - 1])
            else:
                steps.append(tags[-n - 1])
    else:
        steps = proof
    essential_steps = [s for s in steps if s and (s == "?" or typecode.get(s) == "|-")]
    lines = [f"theorem {label}"]
    if comment:
        lines.append("( " + re.sub(r"\s+", " ", comment)[:MAX_COMMENT] + " )")
    lines += [f"hypothesis {l} {' '.join(s)}" for l, s in essentials]
    lines.append("assertion " + " ".join(body))
    shown = essential_steps[:MAX_STEPS]
    lines.append("proof " + " ".join(shown) + (" ..." if len(essential_steps) > MAX_STEPS else ""))
    return {"id": label, "text": "\n".join(lines)}


if __name__ == "__main__":
    documents = main()
    train, test = [], []
    for d in documents:
        (test if hashlib.sha256(d["id"].encode()).digest()[0] < 13 else train).append(d)
    os.makedirs(OUT, exist_ok=True)
    for name, rows in (("train", train), ("test", test)):
        with open(os.path.join(OUT, f"{name}.jsonl"), "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(train)} train and {len(test)} test theorems; "
          f"{sum(len(d['text']) for d in documents) / 1e6:.1f} MB of text")
