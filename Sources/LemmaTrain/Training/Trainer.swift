import Foundation
import LemmaData
import LemmaDistributed
import LemmaNN
import LemmaOptim
import LemmaTensor

/// Trains a task's model: epochs or a step budget, gradient accumulation, a schedule, clipping, periodic
/// logging, evaluation and checkpoints, the best model kept and restored, early stopping, and requests
/// (signals) honoured between steps. Every source of randomness during training draws from the trainer's own
/// generator, whose state goes into each checkpoint, so a resumed run takes exactly the steps it would have
/// taken without the interruption.
///
///     let trainer = try Trainer(task: task, train: trainSet, valid: validSet, options: options,
///                               checkpoints: CheckpointStore(directory: runDirectory.checkpoints))
///     let result = try trainer.fit()
public final class Trainer<Task: TrainingTask, Source: BatchSource> where Source.Batch == Task.Batch {
    public let task: Task
    public let trainingData: Source
    public let validationData: Source?
    public let options: TrainingOptions
    public let checkpoints: CheckpointStore?
    public var callbacks: [any TrainerCallback] = []
    /// Signals land here; tests and callers can also make requests directly.
    public let requests = TrainingRequests()
    public let optimizer: any Optimizer
    public private(set) var schedule: any LearningRateSchedule
    public internal(set) var state = TrainerState()

    /// Data parallelism: this process is one rank of `communicator` (nil, or one rank: it trains alone).
    /// Each rank takes its share of every global batch, gradients are averaged across ranks during the
    /// backward pass, and only rank 0 writes checkpoints and runs the callbacks (logs, reports, progress).
    public var communicator: (any Communicator)? {
        didSet {
            reducer = communicator.flatMap { $0.size > 1 ? GradientReducer(parameters: optimizer.parameters, communicator: $0) : nil }
        }
    }
    var reducer: GradientReducer?
    /// Whether this process writes logs, checkpoints and reports: rank 0, or the only process.
    public var isPrimary: Bool { (communicator?.rank ?? 0) == 0 }

    let sampler: BatchSampler
    /// How evaluation batches are formed: dataset order, or sorted by length (fastai's `SortSampler`: an image
    /// batch shares one size, a seq2seq batch is padded as little as possible).
    let evaluationOrder: BatchSampler.Order
    let generator: RandomGenerator
    let control = TrainerControl()
    public let batchesPerEpoch: Int

    /// `order` chooses shuffled or length-bucketed epochs; either is fixed by the seed and the epoch.
    /// `evaluationOrder` is `.sequential` or `.sortedByLength`.
    public init(task: Task, train: Source, valid: Source?, options: TrainingOptions,
                checkpoints: CheckpointStore? = nil, order: BatchSampler.Order = .shuffled,
                evaluationOrder: BatchSampler.Order = .sequential) throws {
        try options.validate()
        guard train.count > 0 else { throw ConfigError("the training data has no examples") }
        self.task = task
        self.trainingData = train
        self.validationData = valid
        self.options = options
        self.checkpoints = checkpoints
        sampler = BatchSampler(batchSize: options.batchSize, order: order, seed: options.seed)
        self.evaluationOrder = evaluationOrder
        batchesPerEpoch = (train.count + options.batchSize - 1) / options.batchSize
        generator = RandomGenerator(seed: options.seed ^ 0x5EED_7EA1_0000_0001)
        optimizer = try options.makeOptimizer(for: task.model)
        let stepsPerEpoch = (batchesPerEpoch + options.gradientAccumulationSteps - 1) / options.gradientAccumulationSteps
        state.totalSteps = options.maxSteps ?? max(1, Int((options.epochs * Double(stepsPerEpoch)).rounded(.up)))
        schedule = try options.makeSchedule(groupCount: optimizer.groupCount, totalSteps: state.totalSteps)
        state.threads = CPUBackend.shared.threads
        state.randomState = generator.snapshot.map { String($0) }
    }

    // MARK: - Checkpoints

    /// Restores model, optimizer, schedule, random state and position from a checkpoint directory.
    public func resume(from url: URL) throws {
        let contents = try CheckpointStore.load(url)
        do {
            try task.model.loadStateDict(contents.model)
        } catch {
            throw FileFormatError(url.appendingPathComponent(CheckpointStore.modelFile).path, "\(error)")
        }
        let optimizerURL = url.appendingPathComponent(CheckpointStore.optimizerFile).path
        do {
            try optimizer.loadStateDict(Self.unprefixed(contents.optimizer, "optimizer."))
            try schedule.loadStateDict(Self.unprefixed(contents.optimizer, "schedule."))
        } catch {
            throw FileFormatError(optimizerURL, "\(error)")
        }
        let words = contents.state.randomState.compactMap(UInt64.init)
        guard words.count == 4 else {
            throw FileFormatError(url.appendingPathComponent(CheckpointStore.stateFile).path,
                                  "'random_state' must hold 4 unsigned 64-bit integers")
        }
        generator.snapshot = words
        let totalSteps = state.totalSteps
        state = contents.state
        // The budget comes from the options, so a resumed run may be given more steps; all else continues.
        state.totalSteps = totalSteps
        if options.deterministic, state.threads > 0 { CPUBackend.shared.threads = state.threads }
    }

    /// Writes a checkpoint of the current step and prunes old ones.
    @discardableResult
    func saveCheckpoint() throws -> URL? {
        guard let checkpoints, isPrimary else { return nil }
        notify { $0.saveBegan(event()) }
        state.randomState = generator.snapshot.map { String($0) }
        var optimizerState: [String: Tensor] = [:]
        for (key, value) in optimizer.stateDict() { optimizerState["optimizer." + key] = value }
        for (key, value) in schedule.stateDict() { optimizerState["schedule." + key] = value }
        let url = try checkpoints.save(.init(model: task.model.stateDict(), optimizer: optimizerState, state: state),
                                       step: state.globalStep)
        checkpoints.prune(keep: options.saveTotalLimit, protecting: state.bestStep)
        notify { $0.saved(url, event()) }
        return url
    }

    static func unprefixed(_ tensors: [String: Tensor], _ prefix: String) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (key, value) in tensors where key.hasPrefix(prefix) { result[String(key.dropFirst(prefix.count))] = value }
        return result
    }

    // MARK: - Evaluation

    /// Measures the model on `source` in eval mode, without gradients, in `evaluationOrder`.
    public func evaluate(_ source: Source) -> Evaluation {
        let wasTraining = task.model.isTraining
        task.model.eval()
        defer { task.model.train(wasTraining) }
        let size = options.evalBatchSize ?? options.batchSize
        let order = BatchSampler(batchSize: size, order: evaluationOrder).batches(count: source.count, epoch: 0,
                                                                                  length: source.length(of:))
        return withNoGrad { task.evaluate(AnySequence(order.lazy.map { source.batch($0) })) }
    }

    func event(stepExamples: Int = 0) -> TrainerEvent {
        TrainerEvent(state: state, control: control, batchesPerEpoch: batchesPerEpoch, stepExamples: stepExamples)
    }

    func notify(_ body: (any TrainerCallback) -> Void) {
        guard isPrimary else { return }
        for callback in callbacks { body(callback) }
    }
}

/// Why `fit()` returned.
public enum StopReason: String, Sendable {
    case completed
    case earlyStopping = "early_stopping"
    case requested
    case callback
}

public struct TrainingResult: Sendable {
    public let reason: StopReason
    public let state: TrainerState
    /// The checkpoint whose weights the model holds at the end, when the best one was restored.
    public let restoredCheckpoint: URL?
    /// Examples per second over the optimizer steps of this session.
    public let examplesPerSecond: Double
}

/// Training stopped because something went wrong that the user must fix.
public struct TrainingError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
