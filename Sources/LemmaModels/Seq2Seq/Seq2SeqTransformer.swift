import Foundation
import LemmaNN
import LemmaTensor

/// An encoder–decoder transformer (Vaswani et al.), laid out as PyTorch's `nn.Transformer` (batch-first) so
/// its weights read and write under the same keys: token embeddings scaled by √d plus sinusoidal or learned
/// positions, then dropout; `transformer.encoder.layers.N` (self-attention, feed-forward) and
/// `transformer.encoder.norm`; `transformer.decoder.layers.N` (causal self-attention, attention over the
/// encoder's output, feed-forward) and `transformer.decoder.norm`; post-LN or pre-LN (`normFirst`); the
/// output layer tied to the target embedding (`tgt_emb.weight`) with its own bias (`out_bias`). Padded
/// source positions are masked out of every attention. Training reads the whole target at once (teacher
/// forcing); decoding steps one token at a time against a key/value cache per decoder layer.
public final class Seq2SeqTransformer: Module, Seq2SeqModel {
    public enum Positions: String, Sendable { case sinusoidal, learned }

    public let sourceEmbedding: Embedding, targetEmbedding: Embedding
    /// Learned positions (`pos_emb`), or nil for the fixed sinusoidal table.
    public let positionEmbedding: Embedding?
    let core: Core
    public let outputBias: Tensor
    public let embeddingDropout: Dropout
    public let bos: Int32, pad: Int32
    /// The id that pads sources, masked out of every attention.
    public let sourcePad: Int32
    public let width: Int, maxPositions: Int

    /// `transformer.encoder` / `transformer.decoder`, each with `layers.N` and a final `norm`.
    final class Core: Module {
        let encoderLayers: [TransformerBlock], decoderLayers: [TransformerDecoderBlock]
        let encoderNorm: LayerNorm, decoderNorm: LayerNorm

        init(encoderLayers: [TransformerBlock], decoderLayers: [TransformerDecoderBlock], width: Int) {
            self.encoderLayers = encoderLayers
            self.decoderLayers = decoderLayers
            encoderNorm = LayerNorm(width)
            decoderNorm = LayerNorm(width)
            super.init()
        }

        override func children() -> [(key: String, module: Module)] {
            encoderLayers.enumerated().map { ("encoder.layers.\($0.offset)", $0.element as Module) } + [("encoder.norm", encoderNorm)]
                + decoderLayers.enumerated().map { ("decoder.layers.\($0.offset)", $0.element as Module) } + [("decoder.norm", decoderNorm)]
        }
    }

    public init(sourceEmbedding: Embedding, targetEmbedding: Embedding, layers: Int = 3, heads: Int = 4,
                feedForward: Int? = nil, dropout: Float = 0.1, normFirst: Bool = false, positions: Positions = .sinusoidal,
                maxPositions: Int = 512, bos: Int32 = 0, pad: Int32 = 1, sourcePad: Int32? = nil, generator: RandomGenerator? = nil) {
        precondition(sourceEmbedding.dimension == targetEmbedding.dimension,
                     "Seq2SeqTransformer: source and target embeddings must have the same width")
        let width = targetEmbedding.dimension, inner = feedForward ?? 4 * width
        self.sourceEmbedding = sourceEmbedding
        self.targetEmbedding = targetEmbedding
        positionEmbedding = positions == .learned ? Embedding(maxPositions, width, generator: generator) : nil
        core = Core(encoderLayers: (0..<layers).map { _ in
                        TransformerBlock(embedDim: width, numHeads: heads, feedForwardDim: inner, dropout: dropout,
                                         normFirst: normFirst, generator: generator)
                    },
                    decoderLayers: (0..<layers).map { _ in
                        TransformerDecoderBlock(embedDim: width, numHeads: heads, feedForwardDim: inner, dropout: dropout,
                                                normFirst: normFirst, generator: generator)
                    }, width: width)
        outputBias = Tensor.zeros([targetEmbedding.count])
        outputBias.requiresGrad = true
        embeddingDropout = Dropout(dropout)
        self.bos = bos
        self.pad = pad
        self.sourcePad = sourcePad ?? pad
        self.width = width
        self.maxPositions = maxPositions
        super.init()
    }

    public override func ownParameters() -> [(key: String, tensor: Tensor)] { [("out_bias", outputBias)] }

    public override func children() -> [(key: String, module: Module)] {
        [("src_emb", sourceEmbedding), ("tgt_emb", targetEmbedding)] + (positionEmbedding.map { [("pos_emb", $0)] } ?? [])
            + [("transformer", core), ("emb_drop", embeddingDropout)]
    }

    public var maxTargetLength: Int? { positionEmbedding == nil ? nil : maxPositions }

    /// Sinusoidal positions [length, width] from `start`: sin at even features, cos at odd ones.
    static func sinusoids(start: Int, length: Int, width: Int) -> Tensor {
        var values = [Float](repeating: 0, count: length * width)
        for p in 0..<length {
            for i in stride(from: 0, to: width, by: 2) {
                let angle = Double(start + p) / pow(10_000, Double(i) / Double(width))
                values[p * width + i] = Float(sin(angle))
                if i + 1 < width { values[p * width + i + 1] = Float(cos(angle)) }
            }
        }
        return Tensor(values, shape: [length, width])
    }

    /// Token ids [B, L] at positions start..<start+L → [B, L, width].
    func embed(_ ids: IndexTensor, _ table: Embedding, start: Int) -> Tensor {
        let length = ids.shape[1]
        precondition(positionEmbedding == nil || start + length <= maxPositions,
                     "Seq2SeqTransformer: position \(start + length - 1) is past the \(maxPositions) learned positions")
        let positions = positionEmbedding.map { $0(IndexTensor((start..<(start + length)).map(Int32.init), shape: [length])) }
            ?? Self.sinusoids(start: start, length: length, width: width)
        return embeddingDropout(table(ids) * Float(width).squareRoot() + positions)
    }

    /// [B, S] with 1 at padded source positions.
    func padding(_ source: IndexTensor) -> Tensor {
        Tensor(source.values.map { $0 == sourcePad ? 1 : 0 }, shape: source.shape)
    }

    func output(_ hidden: Tensor) -> Tensor { hidden.linear(weight: targetEmbedding.weight, bias: outputBias) }

    public struct State {
        /// Per decoder layer: the memory's keys and values, and the cache of the target so far.
        public var memoryKeys: [Tensor], memoryValues: [Tensor]
        public var memoryPadding: Tensor
        public var caches: [KeyValueCache]
        public var position: Int
    }

    public func encode(_ source: IndexTensor) -> State {
        let mask = padding(source)
        var memory = embed(source, sourceEmbedding, start: 0)
        for layer in core.encoderLayers { memory = layer(memory, keyPadding: mask) }
        memory = core.encoderNorm(memory)
        let projected = core.decoderLayers.map { $0.memoryProjections(memory) }
        return State(memoryKeys: projected.map(\.keys), memoryValues: projected.map(\.values), memoryPadding: mask,
                     caches: Array(repeating: KeyValueCache(), count: core.decoderLayers.count), position: 0)
    }

    public func decodeFeatures(_ tokens: [Int32], state: State) -> (features: Tensor, state: State) {
        var state = state
        var x = embed(IndexTensor(tokens, shape: [tokens.count, 1]), targetEmbedding, start: state.position)
        for (i, layer) in core.decoderLayers.enumerated() {
            x = layer.step(x, cache: &state.caches[i], memoryKeys: state.memoryKeys[i], memoryValues: state.memoryValues[i],
                           memoryPadding: state.memoryPadding)
        }
        state.position += 1
        return (core.decoderNorm(x).reshaped([tokens.count, -1]), state)
    }

    public func project(_ features: Tensor, state: State) -> Tensor { output(features) }

    public func select(_ state: State, rows: [Int]) -> State {
        let index = IndexTensor(rows.map { Int32($0) }, shape: [rows.count])
        return State(memoryKeys: state.memoryKeys.map { $0.indexSelect(index) }, memoryValues: state.memoryValues.map { $0.indexSelect(index) },
                     memoryPadding: state.memoryPadding.indexSelect(index), caches: state.caches.map { $0.selecting(index) },
                     position: state.position)
    }

    /// With a target and any teacher forcing: the whole target at once, the decoder reading BOS then the
    /// target shifted right, [B, T, V]. Otherwise the stepwise loop on the model's own predictions.
    public func callAsFunction(_ source: IndexTensor, target: IndexTensor?, steps: Int, teacherForcing: Float) -> Tensor {
        guard let target, teacherForcing > 0 else {
            return stepwiseForward(source, target: nil, steps: steps, teacherForcing: 0)
        }
        let (batch, length) = (target.shape[0], target.shape[1])
        var shifted = [Int32](repeating: bos, count: batch * length)
        for row in 0..<batch {
            for t in 1..<max(length, 1) { shifted[row * length + t] = target.values[row * length + t - 1] }
        }
        let mask = padding(source)
        var memory = embed(source, sourceEmbedding, start: 0)
        for layer in core.encoderLayers { memory = layer(memory, keyPadding: mask) }
        memory = core.encoderNorm(memory)
        var x = embed(IndexTensor(shifted, shape: [batch, length]), targetEmbedding, start: 0)
        for layer in core.decoderLayers { x = layer(x, memory: memory, memoryPadding: mask) }
        return output(core.decoderNorm(x))
    }
}
