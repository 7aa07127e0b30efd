import LemmaTensor

/// A model that steps many independent sequences together, each with a state of its own: what continuous
/// batching needs. Sequences join and leave between steps (a server admits requests as others finish), so
/// unlike `DecoderStep` there is no batch-wide state, and a sequence's scores do not depend on which other
/// sequences ran beside it.
public protocol ContinuousDecoderStep {
    associatedtype SequenceState

    /// The state after all but the last token of `prompt` (at least one token); the first `step` feeds the last.
    func start(prompt: [Int32]) throws -> SequenceState

    /// Scores [sequences, vocabulary] for each sequence's next token, given its latest token; each state
    /// advances by that token.
    func step(_ tokens: [Int32], states: inout [SequenceState]) throws -> Tensor

    /// The most tokens one sequence can hold, prompt included (a transformer's positions), or nil.
    var maxSequenceLength: Int? { get }
}
