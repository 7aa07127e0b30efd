import Foundation
import LemmaTrain
import Testing

struct PerplexityTests {
    @Test func exponentOfMeanNLL() {
        // Uniform over 4 choices: NLL log 4 per token, perplexity 4.
        expectClose(Perplexity.of(summedNLL: 3 * log(4.0), tokens: 3), 4, "uniform")
        expectClose(Perplexity.of(summedNLL: 0, tokens: 10), 1, "certain")
        expectClose(Perplexity.of(summedNLL: 7000, tokens: 10), exp(700), "large but finite")
    }

    @Test func overflowIsInfinity() {
        #expect(Perplexity.of(summedNLL: 7100, tokens: 10) == .infinity)
        #expect(Perplexity.of(summedNLL: 1e300, tokens: 1) == .infinity)
        #expect(Perplexity.of(summedNLL: .infinity, tokens: 1) == .infinity)
    }

    @Test func batchesWeighByTokens() throws {
        var perplexity = Perplexity()
        #expect(perplexity.value == nil)
        perplexity.add(summedNLL: 2.0, tokens: 1)     // one badly predicted token
        var other = Perplexity()
        other.add(summedNLL: 1.0, tokens: 3)          // three better ones
        perplexity.merge(other)
        #expect(perplexity.tokenCount == 4)
        #expect(perplexity.meanNLL == 0.75)
        expectClose(try #require(perplexity.value), exp(0.75), "pooled")
    }
}
