import LemmaNN
import LemmaTensor

/// Examples the trainer can draw batches from, by index. The trainer only decides the order (through a
/// `BatchSampler`); the source turns a list of indices into whatever its task's batch is.
public protocol BatchSource {
    associatedtype Batch
    var count: Int { get }
    /// A size used to bucket examples of similar length together (tokens, pixels); 0 when irrelevant.
    func length(of index: Int) -> Int
    func batch(_ indices: [Int]) -> Batch
}

/// What a task (classification, seq2seq, language model, im2latex) tells the trainer: how a batch becomes a
/// loss and how the model is measured. Everything else (steps, accumulation, schedules, checkpoints, signals,
/// logs) is the trainer's, and the same for every task.
public protocol TrainingTask: AnyObject {
    associatedtype Batch
    /// The model whose parameters are trained and checkpointed.
    var model: Module { get }
    /// The mean loss over the batch, with its graph; the trainer calls `backward()`.
    func loss(on batch: Batch) -> Tensor
    /// How many examples the batch holds (throughput, averaging).
    func exampleCount(of batch: Batch) -> Int
    /// How many terms the batch's mean loss averages (examples, or target tokens for a per-token loss): how
    /// data-parallel ranks weight their shares of a batch. Defaults to the examples.
    func lossTerms(of batch: Batch) -> Int
    /// Measures the model over `batches`. The trainer has already put the model in eval mode and turned
    /// gradients off. The result must contain "loss".
    func evaluate(_ batches: AnySequence<Batch>) -> Evaluation
}

extension TrainingTask {
    public func lossTerms(of batch: Batch) -> Int { exampleCount(of: batch) }
}

/// One evaluation: named numbers (logged as `eval_<name>`) and details for the report.
public struct Evaluation: Sendable {
    public var metrics: [String: Double]
    public var details: [EvaluationDetail]

    public init(metrics: [String: Double], details: [EvaluationDetail] = []) {
        self.metrics = metrics
        self.details = details
    }
}

/// Task-specific results that reports render: a block of text (a classification report), a confusion
/// matrix (printed and plotted), or a figure the task drew (an SVG saved under plots/ as `fileName`).
public enum EvaluationDetail: Sendable {
    case text(title: String, body: String)
    case confusionMatrix(labels: [String], counts: [[Int]])
    case figure(svg: String, caption: String, fileName: String)
}
