import LemmaNN
import LemmaTensor

/// GPT-2 as Hugging Face's `GPT2LMHeadModel`, under the same keys: `transformer.wte` (tokens),
/// `transformer.wpe` (learned positions), dropout, `transformer.h.N` (pre-LN blocks), `transformer.ln_f`, and
/// an LM head tied to `wte` (no weights of its own). Everything runs through tensor operations, so any
/// backend can run it; the loss never holds the [tokens, vocabulary] scores (`linearCrossEntropy`).
public final class GPT2Model: Module {
    public let configuration: GPT2Configuration
    let transformer: Body

    /// `transformer.*`: what Hugging Face's `GPT2Model` holds.
    final class Body: Module {
        let tokens: Embedding, positions: Embedding
        let dropout: Dropout
        let blocks: [GPT2Block]
        let finalNorm: LayerNorm

        init(_ c: GPT2Configuration, generator: RandomGenerator?) {
            tokens = Embedding(pretrained: Tensor.normal([c.vocabularySize, c.width], std: c.initializerRange, generator: generator),
                               freeze: false)
            positions = Embedding(pretrained: Tensor.normal([c.maxPositions, c.width], std: c.initializerRange, generator: generator),
                                  freeze: false)
            dropout = Dropout(c.embeddingDropout)
            blocks = (0..<c.layerCount).map { _ in GPT2Block(c, generator: generator) }
            finalNorm = LayerNorm(c.width, eps: c.layerNormEps)
            super.init()
        }

        override func children() -> [(key: String, module: Module)] {
            [("wte", tokens), ("wpe", positions), ("drop", dropout)]
                + blocks.enumerated().map { ("h.\($0.offset)", $0.element as Module) } + [("ln_f", finalNorm)]
        }
    }

    /// Fresh weights as transformers initializes them: N(0, initializer_range²), residual projections scaled
    /// by 1/√(2 · layers), zero biases, layer norms at one and zero.
    public init(_ configuration: GPT2Configuration, generator: RandomGenerator? = nil) throws {
        try configuration.validate()
        self.configuration = configuration
        transformer = Body(configuration, generator: generator)
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] { [("transformer", transformer)] }

    /// The token table, which is also the LM head's weight.
    public var tokenEmbedding: Tensor { transformer.tokens.weight }

    /// Final hidden states [B, T, E] of token ids [B, T] at positions start..<start+T.
    public func hidden(_ ids: IndexTensor, start: Int = 0) -> Tensor {
        embed(ids, start: start).map(forward) ?? Tensor.zeros([ids.shape[0], 0, configuration.width])
    }

    func embed(_ ids: IndexTensor, start: Int) -> Tensor? {
        let length = ids.shape[1]
        guard length > 0 else { return nil }
        precondition(start + length <= configuration.maxPositions,
                     "GPT2Model: positions up to \(start + length) exceed n_positions \(configuration.maxPositions)")
        let positions = transformer.positions(IndexTensor((start..<(start + length)).map(Int32.init), shape: [length]))
        return transformer.dropout(transformer.tokens(ids) + positions)
    }

    /// Activation checkpointing in training: each block keeps only its input and runs again during the
    /// backward pass (`checkpointed`), for the memory of long sequences and large models.
    public var checkpointActivations = false

    func forward(_ x: Tensor) -> Tensor {
        transformer.finalNorm(transformer.blocks.reduce(x) { x, block in
            guard checkpointActivations, isTraining else { return block(x) }
            return checkpointed(x, parameters: block.parameters()) { block($0) }
        })
    }

    /// Scores of the next token at every position [B, T, vocabulary].
    public func logits(_ ids: IndexTensor) -> Tensor {
        hidden(ids).linear(weight: tokenEmbedding)
    }

    /// Mean cross-entropy of `targets` [B, T] (-100: ignored) given `inputs` [B, T]: each position predicts
    /// its target, so targets are the inputs shifted left by one.
    public func loss(inputs: IndexTensor, targets: IndexTensor) -> Tensor {
        linearCrossEntropy(hidden(inputs), weight: tokenEmbedding, targets: targets)
    }

    // MARK: - Generation with a key/value cache

    /// What generation carries between tokens: each block's keys and values so far, and the next position.
    public struct State {
        public var caches: [KeyValueCache]
        public var position: Int
    }

    public var emptyState: State {
        State(caches: Array(repeating: KeyValueCache(), count: transformer.blocks.count), position: 0)
    }

    /// Runs `ids` [B, t] after the positions in `state`; returns the last position's scores [B, vocabulary].
    public func extend(_ ids: IndexTensor, state: State) -> (logits: Tensor, state: State) {
        var state = state
        guard var x = embed(ids, start: state.position) else { preconditionFailure("GPT2Model.extend: no tokens") }
        for (i, block) in transformer.blocks.enumerated() { x = block.step(x, cache: &state.caches[i]) }
        state.position += ids.shape[1]
        let last = transformer.finalNorm(x.slice(axis: 1, (ids.shape[1] - 1)..<ids.shape[1]))
        return (last.linear(weight: tokenEmbedding).reshaped([ids.shape[0], -1]), state)
    }

    public func select(_ state: State, rows: [Int]) -> State {
        let index = IndexTensor(rows.map { Int32($0) }, shape: [rows.count])
        return State(caches: state.caches.map { $0.selecting(index) }, position: state.position)
    }
}
