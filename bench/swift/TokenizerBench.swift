import Foundation
import Lemma

/// GPT-2 BPE encoding speed on im2latex formulas (from /work/shared when present) plus generated
/// English-like text, in one `encode` call: with the word cache off (the same work tiktoken does) and
/// with a warm cache. Writes the text to $TMPDIR/lemma-tokenizer-bench.txt so bench/tiktoken_bench.py
/// times tiktoken on exactly the same bytes.
func benchTokenizer() {
    let text = tokenizerBenchText()
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-tokenizer-bench.txt")
    try! Data(text.utf8).write(to: url)
    let megabytes = Double(text.utf8.count) / 1e6
    let cached = try! GPT2Tokenizer.bundled()
    for (cache, tokenizer) in [("off", cached.cachingWords(false)), ("warm", cached)] {
        var ids: [Int32] = []
        let seconds = measure(repeats: repeats, inner: 1) { ids = tokenizer.encode(text) }
        report(["workload": "gpt2 bpe encode", "impl": "lemma", "cache": cache, "mb_per_s": megabytes / seconds,
                "megabytes": megabytes, "ids": ids.count, "id_sum": ids.reduce(0) { $0 + Int($1) }, "text": url.path])
    }
}

/// The formulas, then as many bytes of English-like prose (seeded, so every run encodes the same text).
func tokenizerBenchText() -> String {
    var formulas = ""
    for name in ["test", "val"] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/data/im2latex-100k/\(name).formulas.norm.lst").path
        if let contents = try? String(contentsOfFile: path, encoding: .utf8) { formulas += contents }
    }
    var random = SplitMix64(seed: 2024)
    if formulas.isEmpty {
        let pieces = [#"\frac { a } { b }"#, "x ^ { 2 }", #"\alpha _ { i }"#, "+", "=", #"\sum _ { n = 1 } ^ { \infty }"#, "( x )", ","]
        for _ in 0..<60_000 { formulas += pieces[Int(random.next() % UInt64(pieces.count))] + (random.next() % 8 == 0 ? "\n" : " ") }
    }
    return formulas + englishLikeText(bytes: formulas.utf8.count, random: &random)
}

/// Sentences of common words (Zipf-like: early words in the list come up more), some made-up rarer words
/// so merging has work to do, numbers, punctuation and paragraph breaks.
func englishLikeText(bytes: Int, random: inout SplitMix64) -> String {
    let common = """
        the of and to a in is that for it as was with be by on not he this are or his from at which but have an \
        they you were her she there one all we their has been its more when will would who so no if out up what \
        about into than them can only other time new some could these two may first then do any like my now over \
        such our man me even most made after also did many before must through back years where much your way \
        well down should because each just those people how too little state good very make world still own see \
        theorem proof lemma let suppose function space group order value number point set case result paper
        """.split(separator: " ").map(String.init)
    let syllables = ["qua", "ter", "nio", "morph", "ic", "al", "ly", "ex", "tra", "pol", "ation", "sub", "grad", "ient", "ous", "ver"]
    var text = ""
    text.reserveCapacity(bytes + 100)
    var wordsInSentence = 0
    while text.utf8.count < bytes {
        let roll = random.next() % 100
        var word: String
        if roll < 88 {
            let rank = Int(Double(common.count) * pow(Double(random.next() % 10_000) / 10_000, 2.5))
            word = common[min(rank, common.count - 1)]
        } else if roll < 96 {
            word = (0..<(2 + Int(random.next() % 3))).map { _ in syllables[Int(random.next() % UInt64(syllables.count))] }.joined()
        } else {
            word = String(random.next() % 2025)
        }
        if wordsInSentence == 0 { word = word.prefix(1).uppercased() + word.dropFirst() }
        text += word
        wordsInSentence += 1
        let end = random.next() % 12
        if wordsInSentence > 4 && end == 0 {
            text += random.next() % 6 == 0 ? ".\n\n" : ". "
            wordsInSentence = 0
        } else {
            text += end == 1 ? ", " : " "
        }
    }
    return text
}

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
