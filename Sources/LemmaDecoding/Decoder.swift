import Foundation
import LemmaTensor

/// Decodes with a `DecoderStep`: batched greedy search, beam search or sampling, as `options` say, with
/// Hugging Face `generate`'s semantics (checked against it on the same scores).
public struct Decoder<Step: DecoderStep> {
    public let step: Step
    public let options: DecodingOptions
    let process: ScoreProcessor

    public init(_ step: Step, options: DecodingOptions) throws {
        try options.validate()
        self.step = step
        self.options = options
        process = ScoreProcessor(options)
    }

    /// `prompts[i]`: batch item i's tokens so far, at least one (the start token, or a language model's
    /// prompt); its last token is fed first, the whole prompt counts for the repetition penalty and the
    /// n-gram ban. `state`: one row per batch item, the model state before each prompt's last token.
    /// Returns `returnSequences` hypotheses per item, best first. Greedy search and sampling call
    /// `onToken(row, token)` as each row's token is chosen (rows are items, each widened to
    /// `returnSequences` when sampling), so a caller can stream; beam search knows its output only at the end.
    public func decode(prompts: [[Int32]], state: Step.State, onToken: ((Int, Int32) -> Void)? = nil) throws -> [[Hypothesis]] {
        guard prompts.allSatisfy({ !$0.isEmpty }) else { throw DecodingOptionsError("every prompt needs at least one token") }
        if options.beams > 1 { return try beamSearch(prompts: prompts, state: state) }
        return try sampleOrGreedy(prompts: prompts, state: state, onToken: onToken)
    }

    /// Checks that a step returned [count, vocabulary] scores.
    static func checkRows(_ logits: Tensor, count: Int) throws {
        guard logits.rank == 2, logits.shape[0] == count else {
            throw DecodingOptionsError("the decoder step returned scores \(logits.shape), expected [\(count), vocabulary]")
        }
    }

    /// Rows of a [rows, vocabulary] tensor.
    static func rows(_ logits: Tensor, count: Int) throws -> [[Float]] {
        try checkRows(logits, count: count)
        let all = logits.scalars, width = logits.shape[1]
        return (0..<count).map { Array(all[($0 * width)..<(($0 + 1) * width)]) }
    }

    /// Greedy search and sampling: every row runs until it emits a stop token or reaches the maximum. Finished
    /// rows leave the batch (their state rows are dropped), so a batch of uneven lengths stops paying for its
    /// short rows once they end. Sampling widens each item to `returnSequences` rows.
    func sampleOrGreedy(prompts: [[Int32]], state initial: Step.State, onToken: ((Int, Int32) -> Void)? = nil) throws -> [[Hypothesis]] {
        let copies = options.sampling ? options.returnSequences : 1
        let owner = prompts.indices.flatMap { Array(repeating: $0, count: copies) }
        var state = copies == 1 ? initial : step.select(initial, rows: owner)
        var contexts = owner.map { prompts[$0] }
        var generated = owner.map { _ in [Int32]() }
        var scores = [Float](repeating: 0, count: owner.count)
        var last = contexts.map { $0.last! }
        /// The rows in the state, in its order; finished ones stay (fed their stop token, their scores unread)
        /// until they are a quarter of the batch, then all leave at once.
        var inState = Array(owner.indices)
        var finished = [Bool](repeating: false, count: owner.count)
        let generator = RandomGenerator(seed: options.seed)
        for position in 0..<options.maxNewTokens {
            let (logits, next) = try step.step(inState.map { last[$0] }, state: state)
            try Self.checkRows(logits, count: inState.count)
            let choices = !options.sampling && process.leavesUnchanged(generated: position)
                ? Self.plainGreedyChoices(logits) : nil
            let raws = choices == nil ? try Self.rows(logits, count: inState.count) : []
            var live: [Int] = []  // positions in `inState` of the rows that go on
            for (at, row) in inState.enumerated() where !finished[row] {
                let (chosen, logProbability) = choices?[at] ?? TokenChooser.choose(
                    process(raws[at], context: contexts[row], generated: position, minimumKept: 1),
                    sampling: options.sampling, uniform: options.uniformWithinSet, generator: generator)
                scores[row] += logProbability
                generated[row].append(chosen)
                contexts[row].append(chosen)
                onToken?(row, chosen)
                last[row] = chosen
                if options.stopTokens.contains(chosen) { finished[row] = true } else { live.append(at) }
            }
            if live.isEmpty { break }
            if (inState.count - live.count) * Self.compactionDivisor >= inState.count {
                state = step.select(next, rows: live)
                inState = live.map { inState[$0] }
            } else {
                state = next
            }
        }
        // An item's samples best first, as beam search returns its n-best (ties keep their drawing order).
        return prompts.indices.map { item in
            owner.indices.filter { owner[$0] == item }
                .sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
                .map { Hypothesis(tokens: generated[$0], score: scores[$0]) }
        }
    }

    /// Finished rows leave the batch once they are 1/compactionDivisor of it: each departure copies the state's
    /// rows (for an attention model, its items' encoder outputs too), so one row at a time would copy the
    /// state about as often as rows finish.
    static var compactionDivisor: Int { 4 }

    /// Greedy choices where no processor changes the scores: each row's best token (the first on ties) and its
    /// log-probability, from one vectorized read of all rows rather than a scalar pass per row.
    static func plainGreedyChoices(_ logits: Tensor) -> [(token: Int32, logProbability: Float)] {
        let (best, tokens, totals) = logits.topKWithLogSumExp(1)
        return zip(zip(tokens.values, best.scalars), totals.scalars).map { ($0.0, $0.1 - $1) }
    }
}
