import Foundation

/// Where a run stands: everything besides the model, optimizer and schedule that a checkpoint must hold for a
/// resumed run to continue exactly as if it had never stopped. Saved as `trainer_state.json`.
public struct TrainerState: Codable, Sendable, Equatable {
    /// Optimizer steps taken.
    public var globalStep = 0
    /// The epoch being trained (0-based) and how many of its batches are done: the data-order position.
    public var epoch = 0
    public var batchInEpoch = 0
    public var examplesSeen = 0
    /// The optimizer steps the run will take in all.
    public var totalSteps = 0
    /// The trainer's random generator (dropout and anything else drawn during training), as 4 words.
    public var randomState: [String] = []
    /// Losses summed since the last log line, so a resumed run logs the same averages.
    public var pendingLossSum = 0.0
    public var pendingLossSteps = 0
    public var bestMetric: Double?
    public var bestStep: Int?
    public var evaluationsWithoutImprovement = 0
    /// Wall-clock seconds spent training in earlier sessions of this run.
    public var trainingSeconds = 0.0
    /// The part of `trainingSeconds` spent inside optimizer steps (forward, backward, all-reduce, update):
    /// what throughput comparisons divide by, free of evaluations and checkpoints. Nil in checkpoints
    /// written before it was recorded.
    public var stepSeconds: Double?
    /// Threads the kernels ran on; a deterministic run keeps the same count when resumed, since a
    /// reduction split over a different number of threads sums in a different order.
    public var threads = 0
    /// The last evaluation's metrics, for reports.
    public var lastEvaluation: [String: Double] = [:]
    public var lastEvaluationStep: Int?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case globalStep = "global_step", epoch, batchInEpoch = "batch_in_epoch", examplesSeen = "examples_seen"
        case totalSteps = "total_steps", randomState = "random_state"
        case pendingLossSum = "pending_loss_sum", pendingLossSteps = "pending_loss_steps"
        case bestMetric = "best_metric", bestStep = "best_step"
        case evaluationsWithoutImprovement = "evaluations_without_improvement"
        case trainingSeconds = "training_seconds", stepSeconds = "step_seconds", lastEvaluation = "last_evaluation"
        case lastEvaluationStep = "last_evaluation_step", threads
    }

    /// The run's position in epochs, fractional.
    public func epochProgress(batchesPerEpoch: Int) -> Double {
        Double(epoch) + Double(batchInEpoch) / Double(max(batchesPerEpoch, 1))
    }
}
