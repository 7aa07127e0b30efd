import LemmaNN
import LemmaTensor

/// Seed 002's `Seq2SeqRNN`, exactly: source embedding → dropout .15 → 2-layer GRU (dropout .25) → its final
/// state through Linear(hidden → decoder width, no bias) as the decoder's initial state; the decoder is a
/// 2-layer GRU over the target embedding (dropout .1), run one token at a time, → dropout .35 → a linear
/// layer whose weight is the decoder embedding (tied) and whose bias is its own. PyTorch's keys: `emb_enc`,
/// `gru_enc`, `out_enc`, `emb_dec`, `gru_dec`, `out.bias` (`out.weight` is `emb_dec.weight`).
public final class Seq2SeqGRU: Module, Seq2SeqModel {
    public let encoderEmbedding: Embedding, decoderEmbedding: Embedding
    public let encoder: GRU, decoder: GRU
    /// Encoder state → decoder state.
    public let bridge: Linear
    public let outputBias: Tensor
    public let encoderDropout: Dropout, outputDropout: Dropout
    public let bos: Int32, pad: Int32

    public init(encoderEmbedding: Embedding, decoderEmbedding: Embedding, hiddenSize: Int = 256, layers: Int = 2,
                bos: Int32 = 0, pad: Int32 = 1, generator: RandomGenerator? = nil) {
        self.encoderEmbedding = encoderEmbedding
        self.decoderEmbedding = decoderEmbedding
        let width = decoderEmbedding.dimension
        encoder = GRU(inputSize: encoderEmbedding.dimension, hiddenSize: hiddenSize, numLayers: layers, batchFirst: true,
                      dropout: 0.25, generator: generator)
        bridge = Linear(hiddenSize, width, bias: false, generator: generator)
        decoder = GRU(inputSize: width, hiddenSize: width, numLayers: layers, batchFirst: true, dropout: 0.1,
                      generator: generator)
        outputBias = tiedOutputBias(vocabulary: decoderEmbedding.count, width: width, generator: generator)
        encoderDropout = Dropout(0.15)
        outputDropout = Dropout(0.35)
        self.bos = bos
        self.pad = pad
        super.init()
    }

    public override func ownParameters() -> [(key: String, tensor: Tensor)] { [("out.bias", outputBias)] }

    public override func children() -> [(key: String, module: Module)] {
        [("emb_enc", encoderEmbedding), ("gru_enc", encoder), ("out_enc", bridge), ("emb_dec", decoderEmbedding),
         ("gru_dec", decoder), ("emb_enc_drop", encoderDropout), ("out_drop", outputDropout)]
    }

    /// What the decoder carries from step to step.
    public struct State {
        /// [layers, B, decoder width]
        public var hidden: Tensor
        /// The tied output weight as [width, vocabulary], copied once per batch: each step's scores multiply
        /// by it without a transposed operand (see `linear(weight:copyInOut:)`); nil for small batches.
        public let outputWeightInOut: Tensor?
    }

    /// The decoder's initial state for source ids [B, S].
    public func encode(_ source: IndexTensor) -> State {
        let (_, final) = encoder(encoderDropout(encoderEmbedding(source)))
        return State(hidden: bridge(final.hidden), outputWeightInOut: tiedOutputWeightInOut(decoderEmbedding, rows: source.shape[0]))
    }

    public func decodeFeatures(_ tokens: [Int32], state: State) -> (features: Tensor, state: State) {
        let (output, next) = decoder(decoderEmbedding(IndexTensor(tokens, shape: [tokens.count, 1])),
                                     initialState: RecurrentState(hidden: state.hidden))
        return (outputDropout(output.reshaped([tokens.count, -1])), State(hidden: next.hidden, outputWeightInOut: state.outputWeightInOut))
    }

    public func project(_ features: Tensor, state: State) -> Tensor {
        tiedOutput(features, embedding: decoderEmbedding, copyInOut: state.outputWeightInOut, bias: outputBias)
    }

    public func select(_ state: State, rows: [Int]) -> State {
        let index = IndexTensor(rows.map { Int32($0) }, shape: [rows.count])
        // Beam search widens a batch here (items × beams rows): the copy pays once the rows reach the threshold.
        return State(hidden: state.hidden.transposed(0, 1).indexSelect(index).transposed(0, 1),
                     outputWeightInOut: state.outputWeightInOut ?? tiedOutputWeightInOut(decoderEmbedding, rows: rows.count))
    }

    /// The decoding library's view of this model: its state is `State` (hidden states and the output weight's copy).
    public typealias Step = Seq2SeqDecoderStep<Seq2SeqGRU>
}
