import LemmaDecoding
import LemmaTensor

/// GPT-2 as a `DecoderStep`: the state is its key/value caches, so each new token costs one position.
public struct GPT2DecoderStep: DecoderStep {
    public let model: GPT2Model

    public init(_ model: GPT2Model) { self.model = model }

    public func step(_ tokens: [Int32], state: GPT2Model.State) throws -> (logits: Tensor, state: GPT2Model.State) {
        guard state.position < model.configuration.maxPositions else {
            throw DecodingOptionsError("the sequence reached GPT-2's \(model.configuration.maxPositions) positions (n_positions)")
        }
        return model.extend(IndexTensor(tokens, shape: [tokens.count, 1]), state: state)
    }

    public func select(_ state: GPT2Model.State, rows: [Int]) -> GPT2Model.State { model.select(state, rows: rows) }
}

extension GPT2Model {
    /// Continuations of one prompt (at least one token; `<|endoftext|>` alone for unconditional samples):
    /// `rows` sequences decoded together as `options` say, each at most what the positions left allow.
    /// `onToken(row, token)` hears every token as it is chosen (streaming).
    public func generate(prompt: [Int32], rows: Int, options: DecodingOptions,
                         onToken: ((Int, Int32) -> Void)? = nil) throws -> [Hypothesis] {
        precondition(!prompt.isEmpty && rows > 0, "GPT2Model.generate: needs a prompt token and a row")
        guard prompt.count < configuration.maxPositions else {
            throw DecodingOptionsError("the prompt has \(prompt.count) tokens; GPT-2 reads at most \(configuration.maxPositions - 1) before generating")
        }
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        return try withNoGrad {
            var options = options
            options.maxNewTokens = min(options.maxNewTokens, configuration.maxPositions - prompt.count + 1)
            options.minNewTokens = min(options.minNewTokens, options.maxNewTokens)
            // The prompt but its last token goes through once, then the state is copied per row; the decoder
            // feeds the last token first.
            var state = emptyState
            if prompt.count > 1 {
                state = extend(IndexTensor(Array(prompt.dropLast()), shape: [1, prompt.count - 1]), state: state).state
            }
            state = select(state, rows: Array(repeating: 0, count: rows))
            let decoder = try Decoder(GPT2DecoderStep(self), options: options)
            return try decoder.decode(prompts: Array(repeating: prompt, count: rows), state: state, onToken: onToken).flatMap { $0 }
        }
    }
}
