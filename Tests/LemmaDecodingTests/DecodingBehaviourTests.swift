import Foundation
import LemmaDecoding
import LemmaTensor
import Testing

/// Beam search against exhaustive search, sampling's distribution and reproducibility, and the one-line
/// errors for settings that cannot work.
struct DecodingBehaviourTests {
    /// Scores that depend on the whole prefix (a hash of it), over a tiny vocabulary.
    struct HashedModel: DecoderStep {
        let vocabulary: Int
        func logits(_ prefix: [Int32]) -> [Float] {
            var h: UInt64 = 1469598103934665603
            for t in prefix { h = (h ^ UInt64(t)) &* 1099511628211 }
            return (0..<vocabulary).map { v in
                let x = (h ^ UInt64(v + 1)) &* 0x9E3779B97F4A7C15
                return Float(x >> 40) / Float(1 << 24) * 4 - 2
            }
        }

        func step(_ tokens: [Int32], state: [[Int32]]) throws -> (logits: Tensor, state: [[Int32]]) {
            let next = zip(state, tokens).map { $0 + [$1] }
            return (Tensor(next.flatMap(logits), shape: [next.count, vocabulary]), next)
        }

        func select(_ state: [[Int32]], rows: [Int]) -> [[Int32]] { rows.map { state[$0] } }
    }

    static func logSoftmax(_ s: [Float]) -> [Float] {
        let m = s.max()!
        let shift = m + log(s.reduce(0) { $0 + exp($1 - m) })
        return s.map { $0 - shift }
    }

    @Test func wideBeamSearchFindsTheExhaustiveBest() throws {
        let model = HashedModel(vocabulary: 4), stop: Int32 = 3, length = 3
        // Every sequence: ends at the stop token or after `length` tokens; score = Σ log p (length penalty 0).
        var all: [(tokens: [Int32], score: Float)] = []
        func extend(_ prefix: [Int32], _ generated: [Int32], _ score: Float) {
            let logProbs = Self.logSoftmax(model.logits(prefix))
            for token in 0..<4 {
                let t = Int32(token), s = score + logProbs[token]
                if t == stop || generated.count + 1 == length { all.append((generated + [t], s)) } else { extend(prefix + [t], generated + [t], s) }
            }
        }
        extend([0], [], 0)
        all.sort { $0.score > $1.score }
        var options = DecodingOptions(maxNewTokens: length)
        (options.beams, options.returnSequences, options.lengthPenalty, options.earlyStopping) = (64, 5, 0, .never)
        options.stopTokens = [stop]
        let found = try Decoder(model, options: options).decode(prompts: [[0]], state: [[]])[0]
        #expect(found.map(\.tokens) == all.prefix(5).map(\.tokens))
        for (a, b) in zip(found, all) { #expect(Swift.abs(a.score - b.score) < 1e-5) }
    }

    /// Scores from a handful of levels, so that tokens tie within a row and, after the running scores are added,
    /// across rows (and the −1e9 of not-yet-started beams ties everything).
    struct CoarseModel: DecoderStep {
        let vocabulary: Int, levels: UInt64
        func step(_ tokens: [Int32], state: [[Int32]]) throws -> (logits: Tensor, state: [[Int32]]) {
            let next = zip(state, tokens).map { $0 + [$1] }
            let rows = next.flatMap { prefix in
                let h = prefix.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64($1)) &* 1099511628211 }
                return (0..<vocabulary).map { v in Float((((h ^ UInt64(v + 1)) &* 0x9E3779B97F4A7C15) >> 32) % levels) / 2 }
            }
            return (Tensor(rows, shape: [next.count, vocabulary]), next)
        }
        func select(_ state: [[Int32]], rows: [Int]) -> [[Int32]] { rows.map { state[$0] } }
    }

    /// Beam search ranks each beam row's best tokens on the tensor when no processor changes the scores, and all
    /// beams × vocabulary scores otherwise. A no-repeat n-gram size longer than any sequence changes no score but
    /// takes the second path: both must give the same hypotheses and scores, ties and all.
    @Test func beamSearchRanksAlikeWithAndWithoutScoreProcessors() throws {
        // A vocabulary smaller than the beams makes beams still at −1e9 fill the n-best at the first steps: their
        // order is the ties' order.
        for (vocabulary, maxNewTokens) in [(2, 1), (2, 3), (3, 1), (3, 6), (6, 2), (6, 6), (40, 6)] {
            for levels: UInt64 in [3, 7, 1 << 20] {
                for beams in [2, 3, 5] {
                    for stops: [Int32] in [[], [1]] {
                        let model = CoarseModel(vocabulary: vocabulary, levels: levels)
                        var options = DecodingOptions(maxNewTokens: maxNewTokens)
                        (options.beams, options.returnSequences, options.stopTokens) = (beams, beams, stops)
                        let fast = try Decoder(model, options: options).decode(prompts: [[0], [2], [4]], state: [[], [], []])
                        options.noRepeatNGramSize = 100
                        let ranked = try Decoder(model, options: options).decode(prompts: [[0], [2], [4]], state: [[], [], []])
                        #expect(fast == ranked, "vocabulary \(vocabulary), \(maxNewTokens) new, \(levels) levels, \(beams) beams, stops \(stops)")
                    }
                }
            }
        }
    }

    @Test func samplingFollowsTheFilteredDistributionAndRepeatsWithTheSeed() throws {
        let model = HashedModel(vocabulary: 6)
        var options = DecodingOptions(maxNewTokens: 1)
        (options.sampling, options.topK, options.returnSequences, options.seed) = (true, 4, 4000, 7)
        let decoder = try Decoder(model, options: options)
        let drawn = try decoder.decode(prompts: [[2]], state: [[]])[0]
        let draws = drawn.map { Int($0.tokens[0]) }
        #expect(try decoder.decode(prompts: [[2]], state: [[]])[0].map { Int($0.tokens[0]) } == draws)
        // An item's samples come best first, as an n-best list does.
        #expect(zip(drawn, drawn.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(drawn.first!.score > drawn.last!.score)
        let kept = ScoreProcessor(options)(model.logits([2]), context: [2], generated: 0)
        let probabilities = Self.logSoftmax(kept).map { exp($0) }
        for token in 0..<6 {
            let share = Float(draws.filter { $0 == token }.count) / Float(draws.count)
            if kept[token] == -.infinity { #expect(share == 0) } else { #expect(Swift.abs(share - probabilities[token]) < 0.03, "token \(token)") }
        }
        options.uniformWithinSet = true
        let uniform = try Decoder(model, options: options).decode(prompts: [[2]], state: [[]])[0].map { Int($0.tokens[0]) }
        for token in 0..<6 where kept[token] > -.infinity {
            #expect(Swift.abs(Float(uniform.filter { $0 == token }.count) / 4000 - 0.25) < 0.03)
        }
    }

    /// Counts the rows of every step it runs.
    final class CountingModel: DecoderStep {
        let inner: HashedModel
        var rowsPerStep: [Int] = []
        init(_ inner: HashedModel) { self.inner = inner }
        func step(_ tokens: [Int32], state: [[Int32]]) throws -> (logits: Tensor, state: [[Int32]]) {
            rowsPerStep.append(tokens.count)
            return try inner.step(tokens, state: state)
        }
        func select(_ state: [[Int32]], rows: [Int]) -> [[Int32]] { inner.select(state, rows: rows) }
    }

    @Test func finishedRowsLeaveTheBatch() throws {
        let model = CountingModel(HashedModel(vocabulary: 5))
        var options = DecodingOptions(maxNewTokens: 12)
        options.stopTokens = [4]
        let lengths = try Decoder(model, options: options).decode(prompts: (1...6).map { [Int32($0)] }, state: Array(repeating: [], count: 6))
            .map { $0[0].tokens.count }
        // Step i runs every row that had not stopped before it, and finished rows ride along only while they
        // are under a quarter of the batch.
        let alive = (0..<lengths.max()!).map { i in lengths.filter { $0 > i }.count }
        #expect(model.rowsPerStep.count == alive.count)
        for (rows, live) in zip(model.rowsPerStep, alive) {
            #expect(rows >= live && (rows - live) * 4 < rows, "\(rows) rows stepped with \(live) running")
        }
        #expect(model.rowsPerStep.last! < 6, "no row left the batch")
        #expect(Set(lengths).count > 1, "every row ran equally long: the checks above show nothing")
    }

    @Test func beamSearchDropsItemsWhoseHypothesesAreFinal() throws {
        let model = CountingModel(HashedModel(vocabulary: 5))
        var options = DecodingOptions(maxNewTokens: 12)
        options.stopTokens = [4]
        options.beams = 2
        options.returnSequences = 2
        options.earlyStopping = .whenBeamsFinish
        let prompts = (1...6).map { [Int32($0)] }
        let together = try Decoder(model, options: options).decode(prompts: prompts, state: Array(repeating: [], count: 6))
        #expect(model.rowsPerStep.allSatisfy { $0 % 2 == 0 })
        #expect(model.rowsPerStep.first == 12)
        #expect(model.rowsPerStep.last! < 12, "no item left the batch: the check below shows nothing")
        for (item, prompt) in prompts.enumerated() {
            #expect(try Decoder(HashedModel(vocabulary: 5), options: options).decode(prompts: [prompt], state: [[]])[0] == together[item])
        }
    }

    @Test func greedyRowsStopIndependently() throws {
        let model = HashedModel(vocabulary: 5)
        var options = DecodingOptions(maxNewTokens: 12)
        options.stopTokens = [4]
        let results = try Decoder(model, options: options).decode(prompts: [[1], [2], [3]], state: [[], [], []])
        for (row, hypotheses) in results.enumerated() {
            let tokens = hypotheses[0].tokens
            // Each row alone gives the same tokens: batching changes nothing.
            #expect(try Decoder(model, options: options).decode(prompts: [[Int32(row + 1)]], state: [[]])[0][0].tokens == tokens)
            #expect(tokens.count == 12 || tokens.last == 4)
            #expect(!tokens.dropLast().contains(4))
        }
    }

    @Test func impossibleSettingsAreOneLineErrorsNamingTheSetting() {
        func message(_ change: (inout DecodingOptions) -> Void) -> String {
            var o = DecodingOptions(maxNewTokens: 10)
            change(&o)
            do { try o.validate(); return "" } catch { return "\(error)" }
        }
        #expect(message { $0.sampling = true; $0.topP = 0 } == "top-p must be in (0, 1], got 0.0")
        #expect(message { $0.sampling = true; $0.topP = 1.5 } == "top-p must be in (0, 1], got 1.5")
        #expect(message { $0.beams = 0 } == "beam size must be at least 1, got 0")
        #expect(message { $0.beams = 3; $0.returnSequences = 4 } == "n-best (4) cannot exceed the beam size (3)")
        #expect(message { $0.returnSequences = 2 } == "n-best (2) needs beam search with at least as many beams, or sampling")
        #expect(message { $0.sampling = true; $0.returnSequences = 2 } == "")
        // A request's sampling replaces the configured beam, but not a beam asked for with it.
        var configured = DecodingOptions(maxNewTokens: 10)
        configured.beams = 5
        var request = DecodingRequest()
        request.sample = true
        request.apply(to: &configured)
        #expect(configured.beams == 1 && configured.sampling)
        request.beams = 3
        #expect(message { request.apply(to: &$0) } == "sampling and beam search are separate strategies; choose one")
        #expect(message { $0.topK = 5 } == "temperature, top-k, top-p and uniform sampling apply only with sampling")
        #expect(message { $0.minNewTokens = 11 } == "min new tokens must be in 0...10 (the maximum), got 11")
        var wide = DecodingOptions(maxNewTokens: 10)
        wide.beams = 432
        #expect((try? wide.validate(vocabularySize: 432)) != nil)
        #expect(throws: DecodingOptionsError("beam size 432 exceeds the vocabulary (431 tokens)")) { try wide.validate(vocabularySize: 431) }
        #expect(message { $0.sampling = true; $0.temperature = 0 } == "temperature must be > 0, got 0.0")
        #expect(message { _ in } == "")
    }
}
