#!/usr/bin/env python3
"""Builds the labelled text-classification sets bundled in data/ (see docs/DATASETS.md).

    apt-get install metamath-databases fortunes fortunes-min    # the Debian sources read below
    python3 scripts/make_datasets.py                             # writes data/metamath/ and data/fortunes/
    python3 scripts/make_datasets.py --check                     # only validates the committed files

Standard library only. The output is deterministic: every choice (deduplication, per-class caps, the
train/test split) is made by sorting on SHA-256 digests of stable ids, never by a random generator, so two
runs on the same Debian package versions write byte-identical files.

- data/metamath/{train,test}.jsonl: the |- axioms, definitions and theorems of Metamath's set.mm, each
  as its cleaned description followed by its assertion's math symbols; label = the set.mm part (merged
  into 12 topics) the statement sits in.
- data/fortunes/{train,test}.jsonl: fortune(6) cookies; label = the fortune file (category) name.

Each line is {"text": ..., "label": ..., "id": ...}. After writing, the files are read back and
validated (JSON per line, UTF-8, non-empty text, unique ids, no text in both train and test), and a
majority-class and a multinomial naive Bayes baseline are printed (and written to data/*/stats.json).
"""
import argparse
import hashlib
import html
import json
import math
import os
import re
import sys
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SET_MM = "/usr/share/metamath/databases/set.mm"
FORTUNE_DIR = "/usr/share/games/fortunes"
TEST_FRACTION = 0.10


def digest(key):
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------------------
# Metamath set.mm
#
# set.mm's own header markup (see the comment before the first header in the file): a part is a comment
# whose first line is a row of '#' (79 of them), then the title, then another row of '#'; chapters use
# '#*#*', sections '=-=-', subsections '-.-.'. Only parts give labels; the others are recognised so they
# are never mistaken for a statement's description.

PART_LABELS = {
    # set.mm part title (as in the file)                        -> label
    "CLASSICAL FIRST-ORDER LOGIC WITH EQUALITY": "logic",
    "ZF (ZERMELO-FRAENKEL) SET THEORY": "set_theory",
    "ZFC (ZERMELO-FRAENKEL WITH CHOICE) SET THEORY": "set_theory",
    "TG (TARSKI-GROTHENDIECK) SET THEORY": "set_theory",
    "REAL AND COMPLEX NUMBERS": "real_complex_numbers",
    "ELEMENTARY NUMBER THEORY": "number_theory",
    "BASIC STRUCTURES": "structures_categories_order",
    "BASIC CATEGORY THEORY": "structures_categories_order",
    "BASIC ORDER THEORY": "structures_categories_order",
    "BASIC ALGEBRAIC STRUCTURES": "algebra",
    "ADDITIONAL MATERIAL ON GROUPS, RINGS, AND FIELDS (DEPRECATED)": "algebra",
    "BASIC LINEAR ALGEBRA": "linear_algebra",
    "BASIC TOPOLOGY": "topology",
    "BASIC REAL AND COMPLEX ANALYSIS": "analysis",
    "BASIC REAL AND COMPLEX FUNCTIONS": "analysis",
    "ELEMENTARY GEOMETRY": "geometry",
    "GRAPH THEORY": "graph_theory",
    "COMPLEX TOPOLOGICAL VECTOR SPACES (DEPRECATED)": "hilbert_spaces",
    "COMPLEX HILBERT SPACE EXPLORER (DEPRECATED)": "hilbert_spaces",
    # Dropped: not one topic.
    "GUIDES AND MISCELLANEA": None,
    "SUPPLEMENTARY MATERIAL (USER'S MATHBOXES)": None,
}
MM_LABEL_ORDER = ["logic", "set_theory", "real_complex_numbers", "number_theory", "structures_categories_order",
                  "algebra", "linear_algebra", "topology", "analysis", "geometry", "graph_theory",
                 "hilbert_spaces"]
MM_MAX_PER_CLASS = 2500          # cap per label (after dedupe), taken in SHA-256 order of the statement label
MM_MAX_DESCRIPTION = 400         # characters of cleaned description kept (cut at a word boundary)
MM_MAX_MATH = 300                # characters of the assertion's math string kept (cut at a symbol boundary)

COMMENT_END = re.compile(r"(?<!\S)\$\)(?!\S)")
TOKEN = re.compile(r"\S+")
DATE = r"\d{1,2}-[A-Z][a-z]{2}-\d{4}"


def mm_events(src):
    """Yields ('comment', body) and ('token', tok) in file order. Comments are `$( ... $)`, both
    whitespace-delimited tokens, and do not nest."""
    pos = 0
    while True:
        m = TOKEN.search(src, pos)
        if m is None:
            return
        tok = m.group()
        if tok == "$(":
            end = COMMENT_END.search(src, m.end())
            if end is None:
                raise ValueError(f"{SET_MM}: comment at offset {m.start()} is never closed")
            yield "comment", src[m.end():end.start()]
            pos = end.end()
        else:
            yield "token", tok
            pos = m.end()


def header_kind(comment):
    """'part', 'other' (chapter/section/subsection header) or None."""
    lines = [line.strip() for line in comment.strip("\n").split("\n")]
    lines = [line for line in lines if line]
    if len(lines) < 3:
        return None
    first = lines[0]
    if re.fullmatch(r"#{20,}", first) and re.fullmatch(r"#{20,}", lines[2]):
        return "part"
    if re.fullmatch(r"(#\*){10,}#?|(=-){10,}=?|(-\.){10,}-?", first):
        return "other"
    return None


def mm_statements(path):
    """Every $a/$p statement with its part title, typecode, math symbols and description (the last
    comment between the end of the previous statement or block delimiter and the label, as metamath.exe
    takes it; a header or $j/$t comment there counts as no description)."""
    with open(path, encoding="ascii") as f:
        src = f.read()
    part = None
    last_comment = None
    out = []
    pending_label = None
    in_statement = None          # (label, keyword, tokens, in_proof)
    for kind, value in mm_events(src):
        if kind == "comment":
            h = header_kind(value)
            if h == "part":
                title = [line.strip() for line in value.strip("\n").split("\n") if line.strip()][1]
                if title not in PART_LABELS:
                    raise ValueError(f"{path}: unknown part title {title!r}: add it to PART_LABELS")
                part = title
            if in_statement is None:
                special = h is not None or re.match(r"\s*\$[jt]\b", value)
                last_comment = None if special else value
            continue
        tok = value
        if in_statement is not None:
            label, keyword, tokens, in_proof = in_statement
            if tok == "$.":
                if keyword in ("$a", "$p"):
                    out.append({"label": label, "keyword": keyword, "part": part,
                                "typecode": tokens[0], "math": tokens[1:], "comment": description})
                in_statement = None
                last_comment = None
            elif tok == "$=":
                in_statement = (label, keyword, tokens, True)
            elif not in_proof:
                tokens.append(tok)
            continue
        if tok in ("${", "$}"):
            last_comment = None
        elif tok in ("$c", "$v", "$d"):
            in_statement = (None, tok, [], False)
        elif tok in ("$a", "$p", "$e", "$f"):
            if pending_label is None:
                raise ValueError(f"{path}: {tok} without a label")
            description = last_comment
            in_statement = (pending_label, tok, [], False)
            pending_label = None
        elif tok.startswith("$"):
            raise ValueError(f"{path}: unexpected keyword {tok}")
        else:
            pending_label = tok
    return out


HTML_TAG = re.compile(r"</?(?:i|b|u|em|strong|sub|sup|br|p|span|font|a|small|big|tt|code|center)\b[^<>]*>",
                      re.I)


MATH_SPACE = "\x01"


def clean_description(raw):
    """Natural-language description from a set.mm comment (the rules are listed in docs/DATASETS.md)."""
    t = raw.replace("``", "\x00")                      # escaped literal backtick
    t = re.sub(r"<HTML>.*?</HTML>", " ", t, flags=re.S)
    # Provenance notes: (Contributed by NM, 5-Aug-1993.), (Revised by ..., date), (Proof shortened ...).
    t = re.sub(r"\([^()]*" + DATE + r"[^()]*\)", " ", t)
    t = re.sub(r"\((?:New usage|Proof modification) is discouraged\.\)", " ", t)
    pieces = t.split("`")
    if len(pieces) % 2 == 0:                           # unbalanced quoting: treat the tail as text
        pieces[-2:] = [pieces[-2] + " " + pieces[-1]]
    out = []
    for i, piece in enumerate(pieces):
        if i % 2 == 1:                                  # math mode: keep the symbols, space-separated
            out.append(" " + MATH_SPACE.join(piece.split()) + " ")   # (protected from the tidying below)
            continue
        piece = re.sub(r"(?<!\S)~\s+(?:https?|ftp)://\S+", " ", piece)   # ~ URL links: dropped
        piece = re.sub(r"(?<!\S)~\s+(?=\S)", "", piece)                  # ~ label: the label stays
        piece = piece.replace("~~", "~")
        piece = HTML_TAG.sub("", piece)                # inline <SUB>, <i>, ...: tags dropped, contents kept
        piece = html.unescape(piece)                    # &ouml; -> ö, &sigma; -> σ
        piece = re.sub(r"(?<![\w])_([^_\s](?:[^_]*?[^_\s])?)_(?![\w])", r"\1", piece)   # _italic_
        out.append(piece)
    t = "".join(out).replace("\x00", "`")
    t = " ".join(t.split())
    # Leftovers of removed references: "( , , and )", "(see )", " ." ...
    for _ in range(3):
        t = re.sub(r"\(\s*(?:(?:see|also|and|or|compare|cf\.|e\.g\.|i\.e\.|,|;)\s*)*\)", "", t)
        t = " ".join(t.split())
    t = re.sub(r" ([.,;:])(?=\s|$)", r"\1", t)
    t = re.sub(r"([,;])(?:\s*[,;])+", r"\1", t)
    t = re.sub(r"\s*,\s*([.;:])", r"\1", t)
    t = re.sub(r"(?<!\.)\.\.(?!\.)", ".", t)
    return truncate(t.replace(MATH_SPACE, " ").strip(), MM_MAX_DESCRIPTION)


def truncate(text, limit):
    """At most `limit` characters, cut at the last space before the limit."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    return text[:cut if cut > 0 else limit].rstrip()


def build_metamath():
    statements = mm_statements(SET_MM)
    counts = Counter()
    examples = []
    for s in statements:
        if s["typecode"] != "|-":
            counts["syntax ($a with typecode wff/class/setvar): skipped"] += 1
            continue
        label = PART_LABELS[s["part"]] if s["part"] else None
        if label is None:
            counts[f"in dropped part {s['part']!r}"] += 1
            continue
        if s["comment"] is None:
            counts["no description comment"] += 1
            continue
        desc = clean_description(s["comment"])
        if len(re.findall(r"[A-Za-z]{2,}", desc)) < 2:
            counts["description empty after cleaning"] += 1
            continue
        text = desc + "\n" + truncate(" ".join(s["math"]), MM_MAX_MATH)
        examples.append({"text": text, "label": label, "id": s["label"]})
    return examples, counts, len(statements)


# ---------------------------------------------------------------------------------------------------------
# fortunes

# Left out, and why (docs/DATASETS.md has the long form).
FORTUNE_EXCLUDED = {
    "songs-poems": "licence: verbatim song lyrics and whole poems by modern authors (Tolkien, Dorothy Parker, "
                   "Pink Floyd, Bob Dylan, ...), still under copyright; not short quotations",
    "startrek": "licence: dialogue from a single copyrighted TV series (Star Trek)",
    "zippy": "licence: lines from a single copyrighted comic strip (Bill Griffith's Zippy the Pinhead)",
    "tao": "licence: a complete work (81 chapters of an unattributed modern rendering of the Tao Te Ching)",
    "pratchett": "licence: a single copyrighted source (Terry Pratchett's novels); also only 1-2 texts",
    "ascii-art": "not text (pictures), and only ~10 entries",
    "translate-me": "not English, and only ~12 entries",
}
FORTUNE_MIN_TEXTS = 30


def overstrike(line):
    """Renders a line as a terminal would: a backspace moves back one cell and the next character
    overstrikes it ('_' underlines, so the other character wins; otherwise the later one wins)."""
    cells, cursor = [], 0
    for ch in line:
        if ch == "\b":
            cursor = max(0, cursor - 1)
        elif cursor < len(cells):
            if ch != "_":
                cells[cursor] = ch
            cursor += 1
        else:
            cells.append(ch)
            cursor += 1
    return "".join(cells)


def clean_fortune(text):
    # Mojibake: UTF-8 that was decoded as Latin-1 (once or more) before being saved as UTF-8 again.
    while re.search(r"[\u0080-\u00ff]", text):
        try:
            fixed = text.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            break
        if fixed == text:
            break
        text = fixed
    lines = [overstrike(line) if "\b" in line else line for line in text.split("\n")]
    # Other control characters (bells, ...) except tab and newline: dropped.
    return "\n".join(re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", "", line).rstrip() for line in lines)


def fortune_texts(path):
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    entries, current = [], []
    for line in raw.split("\n"):
        if line.rstrip() == "%":
            entries.append(current)
            current = []
        else:
            current.append(line.rstrip())
    entries.append(current)
    out = []
    for number, lines in enumerate(entries, start=1):
        while lines and not lines[0].strip():
            lines = lines[1:]
        while lines and not lines[-1].strip():
            lines = lines[:-1]
        out.append((number, clean_fortune("\n".join(lines)).strip("\n")))
    return out


def build_fortunes():
    names = sorted(n for n in os.listdir(FORTUNE_DIR)
                   if not n.endswith((".dat", ".u8")) and os.path.isfile(os.path.join(FORTUNE_DIR, n)))
    counts = Counter()
    examples = []
    for name in names:
        if name in FORTUNE_EXCLUDED:
            counts[f"category excluded: {name}"] += 1
            continue
        for number, text in fortune_texts(os.path.join(FORTUNE_DIR, name)):
            if len(re.findall(r"[A-Za-z]{2,}", text)) < 2:
                counts["empty or near-empty text (< 2 words)"] += 1
                continue
            examples.append({"text": text, "label": name, "id": f"{name}:{number}"})
    return examples, counts, names


# ---------------------------------------------------------------------------------------------------------
# Shared: dedupe, cap, split, write, validate, baselines

def normalized(text):
    return " ".join(text.lower().split())


def dedupe(examples, counts):
    """Identical texts (case and whitespace ignored): kept once if they share a label (the copy with the
    smallest id digest), dropped altogether if their labels disagree."""
    groups = defaultdict(list)
    for e in examples:
        groups[normalized(e["text"])].append(e)
    kept = []
    for group in groups.values():
        if len({e["label"] for e in group}) > 1:
            counts["duplicate text with conflicting labels: dropped"] += len(group)
            continue
        group.sort(key=lambda e: digest(e["id"]))
        counts["duplicate text, same label: extra copies dropped"] += len(group) - 1
        kept.append(group[0])
    return kept


def split(examples, max_per_class=None, counts=None):
    """Per label, in SHA-256 order of the id: keep at most max_per_class, then the first
    round(10%) go to test. Stratified and deterministic."""
    by_label = defaultdict(list)
    for e in examples:
        by_label[e["label"]].append(e)
    train, test = [], []
    for label in sorted(by_label):
        group = sorted(by_label[label], key=lambda e: digest(e["id"]))
        if max_per_class is not None and len(group) > max_per_class:
            counts[f"subsampled: {label} {len(group)} -> {max_per_class}"] += 1
            group = group[:max_per_class]
        n_test = max(1, round(len(group) * TEST_FRACTION))
        test += group[:n_test]
        train += group[n_test:]
    # File order: by id digest, so labels are interleaved (no reader sees one class after another).
    train.sort(key=lambda e: digest(e["id"]))
    test.sort(key=lambda e: digest(e["id"]))
    return train, test


def write_jsonl(path, examples):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for e in examples:
            f.write(json.dumps({"text": e["text"], "label": e["label"], "id": e["id"]}, ensure_ascii=False))
            f.write("\n")
    os.replace(tmp, path)


def read_and_validate(path):
    """Reads a written file back and checks it; returns its examples."""
    out = []
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            where = f"{path}: line {number}"
            text = line.decode("utf-8")            # raises on invalid UTF-8
            assert text.endswith("\n"), f"{where}: no final newline"
            obj = json.loads(text)
            assert isinstance(obj, dict) and set(obj) == {"text", "label", "id"}, f"{where}: fields {obj!r}"
            assert all(isinstance(obj[k], str) for k in obj), f"{where}: a field is not a string"
            assert obj["text"].strip(), f"{where}: empty text"
            assert obj["label"] and obj["id"], f"{where}: empty label or id"
            out.append(obj)
    return out


def validate_pair(train, test, name):
    ids = [e["id"] for e in train + test]
    assert len(ids) == len(set(ids)), f"{name}: duplicated ids"
    for part, examples in (("train", train), ("test", test)):
        texts = [normalized(e["text"]) for e in examples]
        assert len(texts) == len(set(texts)), f"{name}/{part}: duplicated texts"
    overlap = {normalized(e["text"]) for e in train} & {normalized(e["text"]) for e in test}
    assert not overlap, f"{name}: {len(overlap)} texts in both train and test"
    assert {e["label"] for e in test} <= {e["label"] for e in train}, f"{name}: test label not in train"


WORD = re.compile(r"[^\W_]+|[^\w\s]|_")      # as Lemma's WordSplitter: letter/digit runs; other chars alone


def naive_bayes_accuracy(train, test):
    """Multinomial naive Bayes on word counts (Laplace smoothing, case kept): test accuracy and
    per-class recall."""
    class_docs = Counter(e["label"] for e in train)
    word_counts = defaultdict(Counter)
    for e in train:
        word_counts[e["label"]].update(WORD.findall(e["text"]))
    vocab = set()
    for c in word_counts.values():
        vocab.update(c)
    v = len(vocab)
    n = len(train)
    labels = sorted(class_docs)
    prior = {c: math.log(class_docs[c] / n) for c in labels}
    total = {c: sum(word_counts[c].values()) for c in labels}
    hits, totals = Counter(), Counter()
    for e in test:
        words = [w for w in WORD.findall(e["text"]) if w in vocab]
        best, best_score = None, -math.inf
        for c in labels:
            wc, denom = word_counts[c], math.log(total[c] + v)
            score = prior[c] + sum(math.log(wc[w] + 1) - denom for w in words)
            if score > best_score:
                best, best_score = c, score
        totals[e["label"]] += 1
        hits[e["label"]] += best == e["label"]
    recall = {c: round(hits[c] / totals[c], 4) for c in sorted(totals)}
    return sum(hits.values()) / len(test), recall


def report(name, train, test, label_order, drop_counts, extra):
    train_counts = Counter(e["label"] for e in train)
    test_counts = Counter(e["label"] for e in test)
    labels = [l for l in label_order if l in train_counts]
    majority = max(labels, key=lambda l: (train_counts[l], l))
    accuracy, recall = naive_bayes_accuracy(train, test)
    stats = {
        "dataset": name,
        "labels": labels,
        "train": len(train), "test": len(test),
        "class_counts": {l: {"train": train_counts[l], "test": test_counts[l]} for l in labels},
        "majority_class": majority,
        "majority_accuracy": round(test_counts[majority] / len(test), 4),
        "naive_bayes_accuracy": round(accuracy, 4),
        "naive_bayes_recall": {l: recall[l] for l in labels},
        "dropped": dict(sorted(drop_counts.items())),
        **extra,
    }
    print(f"== {name}: {len(train)} train, {len(test)} test, {len(labels)} labels")
    print(f"   {'label':32s} {'train':>6s} {'test':>5s}  naive Bayes recall")
    for l in labels:
        print(f"   {l:32s} {train_counts[l]:6d} {test_counts[l]:5d}  {recall[l]:.2f}")
    print(f"   majority ({majority}) accuracy {stats['majority_accuracy']:.4f}, "
          f"naive Bayes accuracy {stats['naive_bayes_accuracy']:.4f}")
    for key in sorted(k for k in extra if k.startswith("naive_bayes_accuracy_")):
        print(f"   {key.replace('_', ' ')}: {extra[key]:.4f}")
    for k, n in sorted(drop_counts.items()):
        print(f"   dropped/changed: {k}: {n}")
    return stats


def finish(name, train, test, label_order, drop_counts, extra, write):
    directory = os.path.join(ROOT, "data", name)
    paths = [os.path.join(directory, f) for f in ("train.jsonl", "test.jsonl")]
    if write:
        write_jsonl(paths[0], train)
        write_jsonl(paths[1], test)
    train, test = (read_and_validate(p) for p in paths)
    validate_pair(train, test, name)
    size = sum(os.path.getsize(p) for p in paths)
    if name == "metamath":          # which half of the text carries the signal
        for half, index in (("description_only", 0), ("math_only", 1)):
            cut = [[{**e, "text": e["text"].split("\n")[index]} for e in part] for part in (train, test)]
            extra = {**extra, f"naive_bayes_accuracy_{half}": round(naive_bayes_accuracy(*cut)[0], 4)}
    stats = report(name, train, test, label_order, drop_counts, {**extra, "bytes": size})
    print(f"   {size / 1e6:.2f} MB on disk")
    if write:
        with open(os.path.join(directory, "stats.json"), "w", encoding="utf-8", newline="\n") as f:
            json.dump(stats, f, indent=1, ensure_ascii=False)
            f.write("\n")
    return stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="validate data/ without rebuilding it")
    args = parser.parse_args()
    write = not args.check
    for path in (SET_MM, FORTUNE_DIR):
        if write and not os.path.exists(path):
            sys.exit(f"{path} is missing: apt-get install metamath-databases fortunes fortunes-min")

    counts = Counter()
    if write:
        examples, counts, n_statements = build_metamath()
        examples = dedupe(examples, counts)
        train, test = split(examples, MM_MAX_PER_CLASS, counts)
        extra = {"source": SET_MM, "statements_parsed": n_statements}
    else:
        train = test = None
        extra = {}
    finish("metamath", train, test, MM_LABEL_ORDER, counts, extra, write)

    counts = Counter()
    if write:
        examples, counts, names = build_fortunes()
        examples = dedupe(examples, counts)
        per_label = Counter(e["label"] for e in examples)
        small = {l for l, n in per_label.items() if n < FORTUNE_MIN_TEXTS}
        for l in sorted(small):
            counts[f"category with < {FORTUNE_MIN_TEXTS} texts: {l}"] = per_label[l]
        examples = [e for e in examples if e["label"] not in small]
        train, test = split(examples)
        order = sorted({e["label"] for e in examples})
        extra = {"source": FORTUNE_DIR, "excluded_categories": FORTUNE_EXCLUDED}
    else:
        order = sorted({e["label"] for e in read_and_validate(os.path.join(ROOT, "data/fortunes/train.jsonl"))})
    finish("fortunes", train, test, order, counts, extra, write)


if __name__ == "__main__":
    main()
