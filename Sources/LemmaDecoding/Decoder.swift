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

    /// Rows of a [rows, vocabulary] tensor.
    static func rows(_ logits: Tensor, count: Int) throws -> [[Float]] {
        guard logits.rank == 2, logits.shape[0] == count else {
            throw DecodingOptionsError("the decoder step returned scores \(logits.shape), expected [\(count), vocabulary]")
        }
        let all = logits.scalars, width = logits.shape[1]
        return (0..<count).map { Array(all[($0 * width)..<(($0 + 1) * width)]) }
    }

    /// Greedy search and sampling: every row runs until it emits a stop token or reaches the maximum; finished
    /// rows are fed the pad token. Sampling widens each item to `returnSequences` rows.
    func sampleOrGreedy(prompts: [[Int32]], state initial: Step.State, onToken: ((Int, Int32) -> Void)? = nil) throws -> [[Hypothesis]] {
        let copies = options.sampling ? options.returnSequences : 1
        let owner = prompts.indices.flatMap { Array(repeating: $0, count: copies) }
        var state = copies == 1 ? initial : step.select(initial, rows: owner)
        var contexts = owner.map { prompts[$0] }
        var generated = owner.map { _ in [Int32]() }
        var scores = [Float](repeating: 0, count: owner.count)
        var finished = [Bool](repeating: false, count: owner.count)
        var last = contexts.map { $0.last! }
        let generator = RandomGenerator(seed: options.seed)
        for position in 0..<options.maxNewTokens {
            let (logits, next) = try step.step(last, state: state)
            state = next
            for (row, raw) in try Self.rows(logits, count: owner.count).enumerated() {
                guard !finished[row] else { last[row] = options.padToken; continue }
                let processed = process(raw, context: contexts[row], generated: position, minimumKept: 1)
                let (chosen, logProbability) = TokenChooser.choose(processed, sampling: options.sampling,
                                                                   uniform: options.uniformWithinSet, generator: generator)
                scores[row] += logProbability
                generated[row].append(chosen)
                contexts[row].append(chosen)
                onToken?(row, chosen)
                last[row] = chosen
                if options.stopTokens.contains(chosen) { finished[row] = true }
            }
            if finished.allSatisfy({ $0 }) { break }
        }
        return prompts.indices.map { item in
            owner.indices.filter { owner[$0] == item }.map { Hypothesis(tokens: generated[$0], score: scores[$0]) }
        }
    }
}
