#!/usr/bin/env python3
"""Writes Tests/LemmaTrainTests/Fixtures/bleu13a.json: sacrebleu's 13a tokenization and corpus BLEU on
detokenized text, the reference for `Tokenizer13a` and `CorpusBLEU.add(hypothesisText:referenceTexts:)`.

    python3 -m venv /tmp/sb && /tmp/sb/bin/pip install sacrebleu
    /tmp/sb/bin/python scripts/make_bleu13a_fixtures.py

Lines cover the rules one by one (symbols, periods and commas beside digits, dashes after digits, HTML
entities, <skipped>, line breaks, non-ASCII and Unicode spaces) and LaTeX as seq2seq outputs look.
"""
import json
import os
import random

import sacrebleu
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LINES = [
    "Hello, world. It costs $3.50, or 3,000 yen -- roughly.",
    "1.5-2.0 and 10-20 ranges; a-b, x.y, .5 and 5. end.",
    "Tom &amp; Jerry &lt;3 &quot;cats&quot; &gt; dogs & more",
    "line one-\nline two\nthree <skipped> four",
    "( A \\in V \\rightarrow ( F \\restriction A ) \\subseteq F )",
    "\\mathbb { R } ^ 2 _ { i , j } = \\frac { 1 } { 2 }",
    "e.g. U.S.A., 3.14159... and ...",
    "Caf\u00e9 na\u00efve \u00fcber \u2014 em dash\u00a0nbsp\u2003em-space",
    "tabs\tand   many    spaces",
    "{|}~[\\]^_`!\"#$%&()*+:;<=>?@/",
    "a.,b ,. 1,.2 1.,2",
    "",
]


def main():
    tokenizer = Tokenizer13a()
    tokenized = [{"text": line, "tokens": tokenizer(line).split()} for line in LINES]
    rng = random.Random(13)
    words = ["x", "=", "(", ")", "\\in", "A", "B", "1.5", "2,0", "-", "a.", "b,c", "{", "}", "3-4", "&amp;"]
    references = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 14))) for _ in range(40)]
    hypotheses = []
    for reference in references:
        tokens = reference.split()
        kept = [t if rng.random() > 0.3 else rng.choice(words) for t in tokens]
        if rng.random() < 0.3:
            kept = kept[: max(1, len(kept) - 2)]
        hypotheses.append(" ".join(kept))
    bleu = sacrebleu.corpus_bleu(hypotheses, [references])
    fixture = {
        "sacrebleu": sacrebleu.__version__,
        "tokenized": tokenized,
        "corpus": {"hypotheses": hypotheses, "references": references, "score": bleu.score,
                   "precisions": bleu.precisions, "bp": bleu.bp, "sys_len": bleu.sys_len, "ref_len": bleu.ref_len},
    }
    path = os.path.join(ROOT, "Tests", "LemmaTrainTests", "Fixtures", "bleu13a.json")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print(f"wrote {path}: BLEU {bleu.score:.4f}")


if __name__ == "__main__":
    main()
