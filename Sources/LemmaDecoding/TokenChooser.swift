import Foundation
import LemmaTensor

/// Chooses one sequence's next token exactly as `Decoder`'s greedy search and sampling do, for callers that
/// step sequences on their own: a server's continuous batching, where every request has its own settings
/// and seed, and a sequence joins or leaves the batch between steps without changing what it produces.
public struct TokenChooser {
    public let options: DecodingOptions
    let process: ScoreProcessor
    let generator: RandomGenerator

    public init(_ options: DecodingOptions) throws {
        try options.validate()
        self.options = options
        process = ScoreProcessor(options)
        generator = RandomGenerator(seed: options.seed)
    }

    /// The next token after `context` (prompt and generated tokens; `generated` of them generated) given its
    /// raw scores, with its log-probability under the processed distribution.
    public func choose(_ logits: [Float], context: [Int32], generated: Int) -> (token: Int32, logProbability: Float) {
        Self.choose(process(logits, context: context, generated: generated, minimumKept: 1), sampling: options.sampling,
                    uniform: options.uniformWithinSet, generator: generator)
    }

    /// The best token of processed scores, or one drawn from them.
    static func choose(_ processed: [Float], sampling: Bool, uniform: Bool, generator: RandomGenerator) -> (token: Int32, logProbability: Float) {
        // One pass for the normalizer; after top-k most scores are −∞ and cost no exp.
        let logTotal = ScoreProcessing.logSumExp(processed)
        let token = sampling ? Self.draw(processed, logTotal: logTotal, uniform: uniform, generator: generator)
                             : ScoreProcessing.argmax(processed)
        return (Int32(token), processed[token] - logTotal)
    }

    /// A token drawn from the distribution of `scores` (−∞ for removed tokens; `logTotal` their log-sum-exp),
    /// or uniformly among the tokens still allowed.
    static func draw(_ scores: [Float], logTotal: Float, uniform: Bool, generator: RandomGenerator) -> Int {
        if uniform {
            let allowed = scores.indices.filter { scores[$0] > -.infinity }
            return allowed[generator.nextInt(below: allowed.count)]
        }
        let u = Float(generator.nextFloat())
        var cumulative: Float = 0
        var fallback = 0
        for (i, s) in scores.enumerated() where s > -.infinity {
            let p = Foundation.exp(s - logTotal)
            guard p > 0 else { continue }
            cumulative += p
            fallback = i
            if u < cumulative { return i }
        }
        return fallback  // rounding left u above the last cumulative sum
    }
}
