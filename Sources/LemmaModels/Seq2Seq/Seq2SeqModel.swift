import LemmaDecoding
import LemmaNN
import LemmaTensor

/// An encoder–decoder that produces a target sequence one token at a time: what the seq2seq task trains and
/// the decoding library drives. A preset supplies the encoder, one decoder step and how to pick rows of its
/// state; the training loop (seed 002's, with teacher forcing) and decoding come with the protocol.
public protocol Seq2SeqModel: Module {
    /// What the decoder carries from step to step (hidden states, and for attention the encoder's outputs).
    associatedtype DecoderState
    /// The token every target starts from, and the pad (a row that emits it is done).
    var bos: Int32 { get }
    var pad: Int32 { get }
    /// The decoder's state before its first step, for source ids [B, S].
    func encode(_ source: IndexTensor) -> DecoderState
    /// Scores [B, vocabulary] for the token after `tokens`, and the state after it.
    func decodeStep(_ tokens: [Int32], state: DecoderState) -> (logits: Tensor, state: DecoderState)
    /// Rows `rows` of a state, in that order (beam search, samples per item).
    func select(_ state: DecoderState, rows: [Int]) -> DecoderState
    /// Scores [B, steps run, V] for a batch: recurrent presets run `stepwiseForward` (seed 002's loop);
    /// a transformer reads the whole target at once when it is given.
    func callAsFunction(_ source: IndexTensor, target: IndexTensor?, steps: Int, teacherForcing: Float) -> Tensor
    /// The most target positions the model can take (learned position tables); nil: no limit.
    var maxTargetLength: Int? { get }
}

extension Seq2SeqModel {
    public var maxTargetLength: Int? { nil }

    public func callAsFunction(_ source: IndexTensor, target: IndexTensor? = nil, steps: Int, teacherForcing: Float = 0) -> Tensor {
        stepwiseForward(source, target: target, steps: steps, teacherForcing: teacherForcing)
    }

    /// Seed 002's forward pass (fastai course-nlp 7b's, with teacher forcing): `steps` decoder steps from BOS;
    /// each step's input is the previous step's best token, or, with probability `teacherForcing`, the target
    /// token (while there is one). Stops early once every row's best token is the pad. [B, steps run, V].
    public func stepwiseForward(_ source: IndexTensor, target: IndexTensor?, steps: Int, teacherForcing: Float) -> Tensor {
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
            // Forced always at probability 1, without drawing (the draw would only move the random stream).
            if let target, teacherForcing >= 1 || (teacherForcing > 0 && Tensor.uniform([1]).item < teacherForcing) {
                guard i < target.shape[1] else { continue }
                input = (0..<batch).map { target.values[$0 * target.shape[1] + i] }
            }
        }
        return Tensor.stack(outputs, axis: 1)
    }

    /// Decodes source ids [B, S] with the decoding library (greedy, beam search or sampling, as `options`
    /// say), every row starting from BOS.
    public func generate(_ source: IndexTensor, options: DecodingOptions) throws -> [[Hypothesis]] {
        let decoder = try Decoder(Seq2SeqDecoderStep(model: self), options: options)
        return try decoder.decode(prompts: Array(repeating: [bos], count: source.shape[0]), state: encode(source))
    }
}

/// The decoding library's view of a seq2seq model.
public struct Seq2SeqDecoderStep<Model: Seq2SeqModel>: DecoderStep {
    public let model: Model

    public init(model: Model) { self.model = model }

    public func step(_ tokens: [Int32], state: Model.DecoderState) throws -> (logits: Tensor, state: Model.DecoderState) {
        model.decodeStep(tokens, state: state)
    }

    public func select(_ state: Model.DecoderState, rows: [Int]) -> Model.DecoderState {
        model.select(state, rows: rows)
    }
}

/// A tied output layer's weight (the decoder embedding [vocabulary, width]) as a [width, vocabulary] copy for
/// `linear(weight:copyInOut:)`, outside the graph: its gradient reaches the embedding through the weight itself.
/// Made only for batches of `tiedOutputCopyMinimumRows` rows or more: a product of a few rows reads the whole
/// table either way (it is memory-bound, and one row takes the one-row kernel), so there the copy — milliseconds
/// for a 10,000-word table, made per batch — would cost more than it saves (`lemma serve` decodes one
/// request's source as a batch of one).
func tiedOutputWeightInOut(_ embedding: Embedding, rows: Int) -> Tensor? {
    rows >= tiedOutputCopyMinimumRows ? withNoGrad { embedding.weight.transposed(0, 1) } : nil
}

let tiedOutputCopyMinimumRows = 16

/// The tied output layer's scores: through the [width, vocabulary] copy when the batch has one.
func tiedOutput(_ features: Tensor, embedding: Embedding, copyInOut: Tensor?, bias: Tensor) -> Tensor {
    guard let copyInOut else { return features.linear(weight: embedding.weight, bias: bias) }
    return features.linear(weight: embedding.weight, copyInOut: copyInOut, bias: bias)
}

/// The bias of a seed 002 output layer tied to the decoder embedding: PyTorch's Linear default,
/// uniform in ±1/√width, trainable.
func tiedOutputBias(vocabulary: Int, width: Int, generator: RandomGenerator?) -> Tensor {
    let bound = 1 / Float(width).squareRoot()
    let bias = Tensor.uniform([vocabulary], low: -bound, high: bound, generator: generator)
    bias.requiresGrad = true
    return bias
}
