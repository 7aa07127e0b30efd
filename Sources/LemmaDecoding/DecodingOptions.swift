/// How to decode: the settings of Hugging Face's `GenerationConfig` that the seeds use, with its semantics.
public struct DecodingOptions: Sendable, Equatable {
    /// When beam search may stop before `maxNewTokens` (Hugging Face's `early_stopping`).
    public enum EarlyStopping: Sendable, Equatable {
        /// As soon as `beams` hypotheses have finished (`True`).
        case whenBeamsFinish
        /// When no running beam can beat the worst finished one at its current length (`False`, the default).
        case heuristic
        /// Only when no running beam can beat it at any length up to the maximum (`"never"`).
        case never
    }

    public var maxNewTokens: Int
    /// Stop tokens are suppressed until this many tokens were generated.
    public var minNewTokens: Int = 0
    /// Tokens that end a sequence (e.g. EOS, or a pad the decoder emits when done).
    public var stopTokens: [Int32] = []

    public var beams: Int = 1
    /// Beam scores are divided by length^lengthPenalty (length counted from the first generated token).
    public var lengthPenalty: Float = 1
    public var earlyStopping: EarlyStopping = .heuristic
    /// Hypotheses returned per batch item (the n-best list of beam search, or independent samples).
    public var returnSequences: Int = 1

    /// Sample from the processed distribution instead of taking the best token.
    public var sampling: Bool = false
    public var temperature: Float = 1
    /// Keep the k best tokens (nil or 0: all).
    public var topK: Int? = nil
    /// Keep the smallest set of best tokens whose probability reaches p, renormalized (nil: all).
    public var topP: Float? = nil
    /// Sample uniformly within the kept set instead of by probability (fastai course-nlp's variant).
    public var uniformWithinSet: Bool = false
    public var seed: UInt64 = 0

    /// Scores of tokens already in the sequence (prompt included) are divided by this when positive and
    /// multiplied when negative (1: off).
    public var repetitionPenalty: Float = 1
    /// No n-gram of this size occurs twice (0: off).
    public var noRepeatNGramSize: Int = 0

    public init(maxNewTokens: Int) { self.maxNewTokens = maxNewTokens }

    /// The first setting that cannot work, as a one-line message naming it. With `vocabularySize`, a beam wider
    /// than the vocabulary is refused too: it cannot hold distinct first tokens, and every beam costs a copy of
    /// the model state, so a mistyped `--beam 100000` would otherwise run until memory ran out.
    public func validate(vocabularySize: Int? = nil) throws {
        func fail(_ message: String) throws -> Never { throw DecodingOptionsError(message) }
        if let vocabularySize, beams > vocabularySize {
            try fail("beam size \(beams) exceeds the vocabulary (\(vocabularySize) tokens)")
        }
        if maxNewTokens < 1 { try fail("max new tokens must be at least 1, got \(maxNewTokens)") }
        if minNewTokens < 0 || minNewTokens > maxNewTokens {
            try fail("min new tokens must be in 0...\(maxNewTokens) (the maximum), got \(minNewTokens)")
        }
        if beams < 1 { try fail("beam size must be at least 1, got \(beams)") }
        if returnSequences < 1 { try fail("n-best must be at least 1, got \(returnSequences)") }
        if beams > 1, returnSequences > beams { try fail("n-best (\(returnSequences)) cannot exceed the beam size (\(beams))") }
        // As Hugging Face refuses num_return_sequences > 1 for greedy search: every copy would be the same.
        if beams == 1, !sampling, returnSequences > 1 {
            try fail("n-best (\(returnSequences)) needs beam search with at least as many beams, or sampling")
        }
        if beams > 1, sampling { try fail("sampling and beam search are separate strategies; choose one") }
        if !(temperature > 0) { try fail("temperature must be > 0, got \(temperature)") }
        if let topK, topK < 0 { try fail("top-k must be >= 0, got \(topK)") }
        if let topP, !(topP > 0 && topP <= 1) { try fail("top-p must be in (0, 1], got \(topP)") }
        if !(repetitionPenalty > 0) { try fail("repetition penalty must be > 0, got \(repetitionPenalty)") }
        if noRepeatNGramSize < 0 { try fail("no-repeat n-gram size must be >= 0, got \(noRepeatNGramSize)") }
        if !sampling, topK != nil || topP != nil || uniformWithinSet || temperature != 1 {
            try fail("temperature, top-k, top-p and uniform sampling apply only with sampling")
        }
    }
}

/// A decoding setting that cannot work; its description is one line naming the setting.
public struct DecodingOptionsError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
