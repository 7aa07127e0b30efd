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
    /// One decoder step up to the output layer: the layer's input [B, width] for the token after `tokens`
    /// (dropout applied), and the state after it.
    func decodeFeatures(_ tokens: [Int32], state: DecoderState) -> (features: Tensor, state: DecoderState)
    /// The output layer: scores [rows, vocabulary] for features [rows, width] (any number of rows, so that
    /// the steps of a teacher-forced pass are scored in one product).
    func project(_ features: Tensor, state: DecoderState) -> Tensor
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

    /// Scores [B, vocabulary] for the token after `tokens`, and the state after it.
    public func decodeStep(_ tokens: [Int32], state: DecoderState) -> (logits: Tensor, state: DecoderState) {
        let (features, next) = decodeFeatures(tokens, state: state)
        return (project(features, state: next), next)
    }

    /// Seed 002's forward pass (fastai course-nlp 7b's, with teacher forcing): `steps` decoder steps from BOS;
    /// each step's input is the previous step's best token, or, with probability `teacherForcing`, the target
    /// token (while there is one). Stops early once every row's best token is the pad. [B, steps run, V].
    ///
    /// With teacher forcing of at least `deferredScoringMinimum`, a step whose next input is drawn to be the
    /// target token needs no scores yet, so its output layer waits: all steps are scored at the end in one
    /// [B·steps, width] × [width, vocabulary] product (and one of each backward product) instead of one thin
    /// product per step; the stop check for those steps is made on those scores. Only steps that feed their
    /// own best token on are scored as they run, and then again in the final product. Each step's dropout and
    /// forcing draw come in the seed's order; a stop found afterwards (every row's best token the pad at a
    /// forced step, rare in training) cuts the scores there, the steps after it having drawn random numbers
    /// the seed's loop would not have.
    public func stepwiseForward(_ source: IndexTensor, target: IndexTensor?, steps: Int, teacherForcing: Float) -> Tensor {
        let batch = source.shape[0]
        var state = encode(source)
        var input = [Int32](repeating: bos, count: batch)
        guard let target, teacherForcing >= deferredScoringMinimum, steps > 0 else {
            var outputs: [Tensor] = []
            for i in 0..<steps {
                let (logits, next) = decodeStep(input, state: state)
                state = next
                outputs.append(logits)
                input = withNoGrad { logits.argmax(axis: 1) }.values
                if input.allSatisfy({ $0 == pad }) { break }
                if let target, teacherForcing > 0 && Tensor.uniform([1]).item < teacherForcing {
                    guard i < target.shape[1] else { continue }
                    input = (0..<batch).map { target.values[$0 * target.shape[1] + i] }
                }
            }
            return Tensor.stack(outputs, axis: 1)
        }
        var features: [Tensor] = []
        var deferred: [Int] = []  // steps whose stop check waits for the final scores
        for i in 0..<steps {
            let (stepFeatures, next) = decodeFeatures(input, state: state)
            state = next
            features.append(stepFeatures)
            // Forced always at probability 1, without drawing (the draw would only move the random stream).
            let drawn = teacherForcing >= 1 || Tensor.uniform([1]).item < teacherForcing
            if drawn && i < target.shape[1] {
                deferred.append(i)
                input = (0..<batch).map { target.values[$0 * target.shape[1] + i] }
            } else {
                input = withNoGrad { project(stepFeatures, state: state).argmax(axis: 1) }.values
                if input.allSatisfy({ $0 == pad }) { break }
            }
        }
        let width = features[0].shape[1]
        let logits = project(Tensor.stack(features, axis: 1).reshaped([batch * features.count, width]), state: state)
            .reshaped([batch, features.count, -1])
        let best = withNoGrad { logits.argmax(axis: 2) }.values, run = features.count
        let stop = deferred.first { i in (0..<batch).allSatisfy { best[$0 * run + i] == pad } }
        guard let stop, stop + 1 < run else { return logits }
        return logits.slice(axis: 1, 0..<(stop + 1))
    }

    /// Decodes source ids [B, S] with the decoding library (greedy, beam search or sampling, as `options`
    /// say), every row starting from BOS.
    public func generate(_ source: IndexTensor, options: DecodingOptions) throws -> [[Hypothesis]] {
        let decoder = try Decoder(Seq2SeqDecoderStep(model: self), options: options)
        return try decoder.decode(prompts: Array(repeating: [bos], count: source.shape[0]), state: encode(source))
    }
}

/// The least teacher-forcing probability at which `stepwiseForward` defers the output layer to one product
/// at the end. Below it most steps feed their own best token on and are scored as they run, then scored again
/// in the final product; by arithmetic (each such step's forward product repeated against the thin backward
/// products saved) deferring stops paying between 0.3 and 0.5, so the schedule's later epochs score per step.
let deferredScoringMinimum: Float = 0.5

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
