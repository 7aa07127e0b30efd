import LemmaData
import LemmaNN
import LemmaTensor
import LemmaTrain
import Synchronization

/// Sequence-to-sequence for the trainer, as seed 002 trains it: seed 002's loss on the model's outputs with
/// teacher forcing (probability `teacherForcing`, training batches only; `TeacherForcingSchedule` moves it);
/// evaluation runs the model on its own predictions, as the seed's validation does, and gives the loss,
/// seed 002's `seq2seq_acc`, the accuracy over real target tokens and the share of exact matches.
public final class Seq2SeqTask: TrainingTask {
    public let seq2seq: any Seq2SeqModel
    /// Probability that a training step's decoder input is the target token instead of its own best guess.
    public var teacherForcing: Float = 1
    /// Decoder steps beyond the target length allowed at evaluation (the seed's `out_sl` is the larger of the
    /// two sides' lengths).
    public let extraSteps: Int
    /// The token that ends a target (appended by the collator), if any: what a sequence "says" stops there.
    public let endToken: Int32?

    public init(model: any Seq2SeqModel, extraSteps: Int = 0, endToken: Int32? = nil) {
        seq2seq = model
        self.extraSteps = extraSteps
        self.endToken = endToken
    }

    public var model: Module { seq2seq }

    func steps(_ batch: Seq2SeqBatch) -> Int { max(batch.source.shape[1], batch.target.shape[1]) + extraSteps }

    public func loss(on batch: Seq2SeqBatch) -> Tensor {
        seq2seqLoss(seq2seq(batch.source, target: batch.target, steps: steps(batch), teacherForcing: teacherForcing),
                    batch.target, padIndex: seq2seq.pad)
    }

    public func exampleCount(of batch: Seq2SeqBatch) -> Int { batch.indices.count }

    /// `loss` is the teacher-forced loss (what Hugging Face's seq2seq trainer reports, and what picks the
    /// best checkpoint by default); `free_running_loss` and the accuracies are seed 002's validation, the
    /// model running on its own greedy predictions. `free_running_bleu` is corpus BLEU-4 on target ids of those
    /// same predictions, each cut at its end token (greedy decoding stopped at the batch's width): what Hugging
    /// Face's `predict_with_generate` gives a seq2seq trainer, without a second pass, so that
    /// `train.metric_for_best_model: free_running_bleu` can keep the weights that decode best — under fastai's
    /// teacher-forcing schedule the teacher-forced loss can rise while decoding improves. `fastai_bleu` is
    /// course-nlp's `CorpusBLEU` on the same outputs as fastai computes it: raw argmax rows against padded
    /// targets, pads counted, in [0, 1].
    /// Batches are measured side by side, one per core (`ConcurrentLanes`: both passes are steps too small to
    /// share), and summed in their order, so the numbers do not depend on which core measured what.
    public func evaluate(_ batches: AnySequence<Seq2SeqBatch>) -> Evaluation {
        let batches = Array(batches)
        let measured = Mutex([BatchMeasurement?](repeating: nil, count: batches.count))
        ConcurrentLanes.forEach(batches.count) { index in
            let found = measure(batches[index])
            measured.withLock { $0[index] = found }
        }
        var forcedSum = 0.0, freeSum = 0.0, seen = 0
        var exact = ExactMatch()
        var accuracy = SequenceTokenAccuracy(padID: seq2seq.pad)
        var bleu = CorpusBLEU()
        var fastaiBLEU = FastaiCorpusBLEU()
        for case let batch? in measured.withLock({ $0 }) {
            let count = batch.predictions.count
            forcedSum += batch.forcedLoss * Double(count)
            freeSum += batch.freeRunningLoss * Double(count)
            seen += count
            accuracy.add(predictions: batch.predictions, targets: batch.targets)
            let said = batch.predictions.map { Self.realTokens($0, pad: seq2seq.pad, end: endToken) }
            let meant = batch.targets.map { Self.realTokens($0, pad: seq2seq.pad, end: endToken) }
            exact.add(hypotheses: said, references: meant)
            bleu.add(hypotheses: said, references: meant.map { [$0] })
            for (predicted, target) in zip(batch.predictions, batch.targets) { fastaiBLEU.add(prediction: predicted, target: target) }
        }
        let mean = { (sum: Double) in seen > 0 ? sum / Double(seen) : .nan }
        return Evaluation(metrics: ["loss": mean(forcedSum), "free_running_loss": mean(freeSum),
                                    "seq2seq_accuracy": accuracy.value, "token_accuracy": accuracy.maskedValue,
                                    "exact_match": exact.rate, "free_running_bleu": bleu.score().score,
                                    "fastai_bleu": fastaiBLEU.value])
    }

    /// One evaluation batch: its teacher-forced loss, and the loss and greedy tokens of the model running on
    /// its own predictions.
    struct BatchMeasurement {
        var forcedLoss: Double
        var freeRunningLoss: Double
        var predictions: [[Int32]]
        var targets: [[Int32]]
    }

    func measure(_ batch: Seq2SeqBatch) -> BatchMeasurement {
        let count = batch.indices.count, targetWidth = batch.target.shape[1]
        let forced = seq2seq(batch.source, target: batch.target, steps: targetWidth, teacherForcing: 1)
        let forcedLoss = Double(seq2seqLoss(forced, batch.target, padIndex: seq2seq.pad).item)
        let output = seq2seq(batch.source, target: nil, steps: steps(batch), teacherForcing: 0)
        let freeRunningLoss = Double(seq2seqLoss(output, batch.target, padIndex: seq2seq.pad).item)
        let predicted = output.argmax(axis: 2), width = output.shape[1]
        return BatchMeasurement(
            forcedLoss: forcedLoss, freeRunningLoss: freeRunningLoss,
            predictions: (0..<count).map { Array(predicted.values[($0 * width)..<(($0 + 1) * width)]) },
            targets: (0..<count).map { Array(batch.target.values[($0 * targetWidth)..<(($0 + 1) * targetWidth)]) })
    }

    /// A sequence up to its first pad or end token: what the model "said".
    static func realTokens(_ tokens: [Int32], pad: Int32, end: Int32? = nil) -> [Int32] {
        Array(tokens.prefix { $0 != pad && $0 != end })
    }
}

/// fastai's teacher-forcing schedule for seed 002: probability 1 − epoch / endEpoch of feeding the target
/// token (0 from `endEpoch` on), set as each epoch begins.
public final class TeacherForcingSchedule: TrainerCallback {
    public let task: Seq2SeqTask
    public let endEpoch: Int

    public init(task: Seq2SeqTask, endEpoch: Int) {
        precondition(endEpoch > 0, "TeacherForcingSchedule: endEpoch must be positive")
        self.task = task
        self.endEpoch = endEpoch
    }

    public func epochBegan(_ event: TrainerEvent) {
        task.teacherForcing = max(0, 1 - Float(event.state.epoch) / Float(endEpoch))
    }

    /// Also when training starts, so a run resumed in the middle of an epoch feeds targets as it did before.
    public func fitBegan(_ event: TrainerEvent) { epochBegan(event) }
}

/// A `PairedDataset` as the trainer's batch source, collated on demand; lengths are the sources' (the key
/// fastai's sortish sampler sorts by).
public struct PairedDatasetSource: BatchSource {
    public let dataset: PairedDataset
    public let collator: PairCollator

    public init(_ dataset: PairedDataset, collator: PairCollator) {
        self.dataset = dataset
        self.collator = collator
    }

    public var count: Int { dataset.count }
    public func length(of index: Int) -> Int { dataset.source.length(index) }
    public func batch(_ indices: [Int]) -> Seq2SeqBatch { collator.collate(dataset, indices: indices) }
}
