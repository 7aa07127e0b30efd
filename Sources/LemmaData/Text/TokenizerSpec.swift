import Foundation
import LemmaText
import LemmaTensor

/// Which tokenizer to use, as configs and the command line name it (`tokenizer.kind`, `--tokenizer`), and
/// how to make it.
public struct TokenizerSpec: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case gpt2, wordpiece, word, whitespace, char, latex
    }

    public var kind: Kind
    /// Vocabulary file: vocab.txt or tokenizer.json for wordpiece; one token per line for word, char, latex.
    /// Optional for gpt2 (the bundled ranks, or a .tiktoken / encoder.json file).
    public var vocabulary: URL?
    public var lowercase: Bool

    public init(kind: Kind, vocabulary: URL? = nil, lowercase: Bool = false) {
        self.kind = kind
        self.vocabulary = vocabulary
        self.lowercase = lowercase
    }

    /// Whether `make` builds the vocabulary from a corpus (a vocabulary-level kind given no file).
    public var buildsVocabulary: Bool { vocabulary == nil && [.word, .whitespace, .char, .latex].contains(kind) }

    /// The spec as a trained run reads it: a vocabulary that training built is the file it saved at `saved`,
    /// which must be there (without it the run's token ids mean nothing).
    public func reading(builtVocabulary saved: URL) throws -> TokenizerSpec {
        guard buildsVocabulary else { return self }
        guard FileManager.default.fileExists(atPath: saved.path) else {
            throw FileFormatError(saved.path, "missing: the vocabulary this run was trained with")
        }
        var spec = self
        spec.vocabulary = saved
        return spec
    }

    /// A one-line description stored with prepared datasets and runs.
    public var summary: String {
        "\(kind.rawValue)" + (vocabulary.map { " vocab=\($0.path)" } ?? "") + (lowercase ? " lowercase" : "")
    }

    /// Makes the tokenizer. Word, char and LaTeX tokenizers without a vocabulary file build one by streaming
    /// `corpus` once (it calls its argument with each text): `specialTokens` first, then tokens seen at least
    /// `minFrequency` times, most frequent first, at most `maxSize` with the special tokens. A vocabulary
    /// file gets the `specialTokens` it lacks put first.
    public func make(corpus: ((_ each: (String) -> Void) throws -> Void)? = nil, minFrequency: Int = 1,
                     maxSize: Int? = nil, specialTokens: [String] = Vocabulary.defaultSpecialTokens) throws -> any Tokenizer {
        switch kind {
        case .gpt2:
            guard let vocabulary else { return try GPT2Tokenizer.bundled() }
            if vocabulary.pathExtension == "json" {
                return try GPT2Tokenizer(encoderJSON: vocabulary,
                                         vocabBPE: vocabulary.deletingLastPathComponent().appendingPathComponent("vocab.bpe"))
            }
            return try GPT2Tokenizer(tiktokenFile: vocabulary)
        case .wordpiece:
            guard let vocabulary else { throw TokenizerSpecError("wordpiece needs a vocabulary: vocab.txt or tokenizer.json") }
            if vocabulary.pathExtension == "json" { return try WordPieceTokenizer(tokenizerJSON: vocabulary) }
            return try WordPieceTokenizer(vocabFile: vocabulary, normalizer: BertNormalizer(lowercase: lowercase))
        case .word, .whitespace, .char, .latex:
            if let vocabulary { return withVocabulary(try Vocabulary(contentsOf: vocabulary, specialTokens: specialTokens)) }
            guard let corpus else {
                throw TokenizerSpecError("\(kind.rawValue) needs a vocabulary file or a corpus to build one from")
            }
            let splitter = withVocabulary(Vocabulary(tokens: []))
            var counter = TokenCounter()
            try corpus { counter.add(splitter.split($0)) }
            return withVocabulary(Vocabulary(counts: counter, minFrequency: minFrequency, maxSize: maxSize, specialTokens: specialTokens))
        }
    }

    private func withVocabulary(_ vocabulary: Vocabulary) -> any VocabularyTokenizer {
        switch kind {
        case .char: CharacterTokenizer(vocabulary: vocabulary)
        case .latex: LaTeXTokenizer(vocabulary: vocabulary)
        case .whitespace: WhitespaceTokenizer(vocabulary: vocabulary, lowercase: lowercase)
        default: WordTokenizer(vocabulary: vocabulary, lowercase: lowercase)
        }
    }
}

public struct TokenizerSpecError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
