import LemmaTensor

/// One step of an autoregressive model over a batch of rows (hypotheses): what every generator in Lemma
/// implements — a recurrent decoder carries its hidden state, a transformer decoder its key/value cache.
/// The decoding strategies (`Decoder`) drive it one token at a time and never look inside `State`.
public protocol DecoderStep {
    associatedtype State

    /// Scores [rows, vocabulary] for each row's next token, given each row's latest token (at the first
    /// step the last token of its prompt, or the start token), and the state after it.
    func step(_ tokens: [Int32], state: State) throws -> (logits: Tensor, state: State)

    /// The rows `rows` of `state`, in that order (a row may repeat): how beam search keeps its beams and how
    /// a batch item is widened to several beams or samples.
    func select(_ state: State, rows: [Int]) -> State
}

/// One generated sequence and its score.
public struct Hypothesis: Equatable, Sendable {
    /// The generated tokens (after the prompt), ending with the stop token when one was produced.
    public var tokens: [Int32]
    /// Beam search: the sum of log-probabilities divided by length^lengthPenalty (Hugging Face's
    /// `sequences_scores`); greedy and sampling: the sum of the log-probabilities of the chosen tokens under
    /// the processed distribution.
    public var score: Float

    public init(tokens: [Int32], score: Float) {
        self.tokens = tokens
        self.score = score
    }
}
