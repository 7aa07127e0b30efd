import LemmaDecoding
import LemmaTrain

/// The `decoding.*` settings that seq2seq and im2latex runs share, applied to the decoding library's options.
enum ConfiguredDecoding {
    static func apply(_ c: RunConfiguration, to options: inout DecodingOptions) {
        // A minimum above the maximum for this input would be an error mid-evaluation; the maximum wins.
        options.minNewTokens = min(c.int("decoding.min_length") ?? 0, options.maxNewTokens)
        options.repetitionPenalty = Float(c.double("decoding.repetition_penalty") ?? 1)
        switch c.string("decoding.early_stopping") ?? "false" {
        case "true": options.earlyStopping = .whenBeamsFinish
        case "never": options.earlyStopping = .never
        default: options.earlyStopping = .heuristic
        }
    }

    /// The first `decoding.*` value that cannot work, as an error naming its key — checked when a run starts,
    /// so a typo fails before training rather than at its first evaluation.
    static func check(_ c: RunConfiguration) throws {
        func require(_ key: String, _ holds: (Double) -> Bool, _ expected: String) throws {
            guard let value = c.double(key) else { return }
            guard holds(value) else {
                let shown = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
                throw ConfigError("'\(key)' must be \(expected), got \(shown)")
            }
        }
        try require("decoding.beams", { $0 >= 1 }, "at least 1")
        try require("decoding.max_length", { $0 >= 1 }, "at least 1")
        try require("decoding.max_length_a", { $0 >= 0 && $0.isFinite }, "a finite number >= 0")
        try require("decoding.max_length_b", { $0 >= 0 }, ">= 0")
        try require("decoding.min_length", { $0 >= 0 }, ">= 0")
        try require("decoding.no_repeat_ngram_size", { $0 >= 0 }, ">= 0")
        try require("decoding.repetition_penalty", { $0 > 0 && $0.isFinite }, "a finite number > 0")
        try require("decoding.length_penalty", { $0.isFinite }, "a finite number")
    }
}
