import Foundation

/// Perplexity, exp(mean negative log-likelihood per token), from summed NLLs (natural log) and token counts,
/// accumulated a batch at a time. Sum per-batch *summed* losses (mean loss × tokens), not means, so batches of
/// different sizes weigh by their tokens.
public struct Perplexity: Sendable, Equatable {
    public private(set) var totalNLL = 0.0
    public private(set) var tokenCount = 0

    public init() {}

    /// Adds a batch's summed NLL over `tokens` tokens.
    public mutating func add(summedNLL: Double, tokens: Int) {
        precondition(tokens >= 0, "Perplexity: negative token count \(tokens)")
        totalNLL += summedNLL
        tokenCount += tokens
    }

    /// Adds another accumulator's sums.
    public mutating func merge(_ other: Perplexity) {
        totalNLL += other.totalNLL
        tokenCount += other.tokenCount
    }

    /// The mean NLL per token, or nil before any token.
    public var meanNLL: Double? { tokenCount == 0 ? nil : totalNLL / Double(tokenCount) }

    /// The perplexity so far, or nil before any token.
    public var value: Double? { tokenCount == 0 ? nil : Perplexity.of(summedNLL: totalNLL, tokens: tokenCount) }

    /// exp(summedNLL / tokens): +infinity, not a trap or a wrapped value, once the mean NLL passes
    /// log(Double.greatestFiniteMagnitude) ≈ 709.78 (an untrained model over a huge vocabulary can get there).
    public static func of(summedNLL: Double, tokens: Int) -> Double {
        precondition(tokens > 0, "Perplexity: no tokens")
        let mean = summedNLL / Double(tokens)
        return mean > maxExponent ? .infinity : Foundation.exp(mean)
    }

    private static let maxExponent = Foundation.log(Double.greatestFiniteMagnitude)
}
