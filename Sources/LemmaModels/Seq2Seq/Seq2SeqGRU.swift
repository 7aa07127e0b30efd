import LemmaDecoding
import LemmaNN
import LemmaTensor

/// Seed 002's `Seq2SeqRNN`, exactly: source embedding → dropout .15 → 2-layer GRU (dropout .25) → its final
/// state through Linear(hidden → decoder width, no bias) as the decoder's initial state; the decoder is a
/// 2-layer GRU over the target embedding (dropout .1), run one token at a time, → dropout .35 → a linear
/// layer whose weight is the decoder embedding (tied) and whose bias is its own. PyTorch's keys: `emb_enc`,
/// `gru_enc`, `out_enc`, `emb_dec`, `gru_dec`, `out.bias` (`out.weight` is `emb_dec.weight`).
public final class Seq2SeqGRU: Module {
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
        let bound = 1 / Float(width).squareRoot()
        outputBias = Tensor.uniform([decoderEmbedding.count], low: -bound, high: bound, generator: generator)
        outputBias.requiresGrad = true
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

    /// The decoder's initial state for source ids [B, S]: [layers, B, decoder width].
    public func encode(_ source: IndexTensor) -> RecurrentState {
        let (_, final) = encoder(encoderDropout(encoderEmbedding(source)))
        return RecurrentState(hidden: bridge(final.hidden))
    }

    /// Scores [B, vocabulary] for the token after `tokens`, and the state after it.
    public func decodeStep(_ tokens: [Int32], state: RecurrentState) -> (logits: Tensor, state: RecurrentState) {
        let (output, next) = decoder(decoderEmbedding(IndexTensor(tokens, shape: [tokens.count, 1])), initialState: state)
        let logits = outputDropout(output.reshaped([tokens.count, -1]))
            .linear(weight: decoderEmbedding.weight, bias: outputBias)
        return (logits, next)
    }

    /// The seed's forward pass (fastai course-nlp 7b's, with teacher forcing): `steps` decoder steps from BOS;
    /// each step's input is the previous step's best token, or, with probability `teacherForcing`, the target
    /// token (while there is one). Stops early once every row's best token is the pad. [B, steps run, V].
    public func callAsFunction(_ source: IndexTensor, target: IndexTensor? = nil, steps: Int,
                               teacherForcing: Float = 0) -> Tensor {
        let batch = source.shape[0]
        var state = encode(source)
        var input = [Int32](repeating: bos, count: batch)
        var outputs: [Tensor] = []
        for i in 0..<steps {
            let (logits, next) = decodeStep(input, state: state)
            state = next
            outputs.append(logits)
            input = withNoGrad { logits.argmax(axis: 1) }.values
            if input.allSatisfy({ $0 == pad }) { break }
            if let target, teacherForcing > 0, Tensor.uniform([1]).item < teacherForcing {
                guard i < target.shape[1] else { continue }
                input = (0..<batch).map { target.values[$0 * target.shape[1] + i] }
            }
        }
        return Tensor.stack(outputs, axis: 1)
    }

    /// The decoding library's view of this model: state = the decoder's hidden state.
    public struct Step: DecoderStep {
        public let model: Seq2SeqGRU

        public init(model: Seq2SeqGRU) { self.model = model }

        public func step(_ tokens: [Int32], state: RecurrentState) throws -> (logits: Tensor, state: RecurrentState) {
            let (logits, next) = model.decodeStep(tokens, state: state)
            return (logits, next)
        }

        public func select(_ state: RecurrentState, rows: [Int]) -> RecurrentState {
            let index = IndexTensor(rows.map { Int32($0) }, shape: [rows.count])
            return RecurrentState(hidden: state.hidden.transposed(0, 1).indexSelect(index).transposed(0, 1))
        }
    }
}
