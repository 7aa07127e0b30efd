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
}
