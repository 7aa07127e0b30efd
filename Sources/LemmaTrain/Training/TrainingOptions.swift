import Foundation

/// How a run trains: the `train.*` section of a configuration, with Hugging Face TrainingArguments' names and
/// meanings where one exists.
public struct TrainingOptions: Sendable, Equatable {
    public enum OptimizerKind: String, Sendable { case sgd, adam, adamw, rmsprop, adafactor }
    public enum SchedulerKind: String, Sendable { case constant, linear, cosine, oneCycle = "one_cycle", plateau }

    public var optimizer: OptimizerKind = .adamw
    public var learningRate: Double = 1e-3
    public var weightDecay: Double = 0
    /// Adam's and AdamW's moment decay rates (Hugging Face's `adam_beta1`, `adam_beta2`).
    public var adamBeta1: Double = 0.9, adamBeta2: Double = 0.999
    public var scheduler: SchedulerKind = .linear
    public var warmupSteps = 0
    public var batchSize = 32
    public var evalBatchSize: Int?
    public var gradientAccumulationSteps = 1
    /// Passes over the training data; ignored when `maxSteps` is set.
    public var epochs: Double = 3
    public var maxSteps: Int?
    /// Evaluate every N optimizer steps; nil evaluates at the end of each epoch.
    public var evalSteps: Int?
    public var loggingSteps = 50
    /// Checkpoint every N steps; nil checkpoints at each evaluation.
    public var saveSteps: Int?
    /// Checkpoints kept besides the best one.
    public var saveTotalLimit = 2
    public var loadBestModelAtEnd = true
    /// An evaluation metric, with or without the `eval_` prefix.
    public var metricForBestModel = "eval_loss"
    /// nil: smaller is better for losses, greater for everything else.
    public var greaterIsBetter: Bool?
    public var earlyStoppingPatience: Int?
    public var earlyStoppingThreshold: Double = 0
    /// Clip the global gradient norm to this; 0 turns clipping off.
    public var maxGradNorm: Double = 1
    public var seed: UInt64 = 42
    public var deterministic = false

    public init() {}

    /// Reads the `train.*` keys of a checked configuration.
    public init(_ configuration: RunConfiguration) throws {
        let c = configuration
        optimizer = OptimizerKind(rawValue: c.string("train.optimizer") ?? "adamw")!
        learningRate = c.double("train.learning_rate") ?? learningRate
        weightDecay = c.double("train.weight_decay") ?? weightDecay
        adamBeta1 = c.double("train.adam_beta1") ?? adamBeta1
        adamBeta2 = c.double("train.adam_beta2") ?? adamBeta2
        scheduler = SchedulerKind(rawValue: c.string("train.lr_scheduler") ?? "linear")!
        warmupSteps = c.int("train.warmup_steps") ?? warmupSteps
        batchSize = c.int("train.batch_size") ?? batchSize
        evalBatchSize = c.int("train.eval_batch_size")
        gradientAccumulationSteps = c.int("train.gradient_accumulation_steps") ?? 1
        epochs = c.double("train.epochs") ?? epochs
        maxSteps = c.int("train.max_steps")
        evalSteps = c.int("train.eval_steps")
        loggingSteps = c.int("train.logging_steps") ?? loggingSteps
        saveSteps = c.int("train.save_steps")
        saveTotalLimit = c.int("train.save_total_limit") ?? saveTotalLimit
        loadBestModelAtEnd = c.bool("train.load_best_model_at_end") ?? true
        metricForBestModel = c.string("train.metric_for_best_model") ?? metricForBestModel
        greaterIsBetter = c.bool("train.greater_is_better")
        earlyStoppingPatience = c.int("train.early_stopping_patience")
        earlyStoppingThreshold = c.double("train.early_stopping_threshold") ?? 0
        maxGradNorm = c.double("train.max_grad_norm") ?? maxGradNorm
        seed = UInt64(truncatingIfNeeded: c.int("train.seed") ?? 42)
        deterministic = c.bool("train.deterministic") ?? false
        try validate()
    }

    /// Rejects values no run could use, naming the key.
    public func validate() throws {
        func require(_ ok: Bool, _ key: String, _ expected: String) throws {
            if !ok { throw ConfigError("'train.\(key)' must be \(expected)") }
        }
        try require(learningRate > 0 && learningRate.isFinite, "learning_rate", "a positive number")
        try require(weightDecay >= 0 && weightDecay.isFinite, "weight_decay", "a number >= 0")
        try require((0..<1).contains(adamBeta1) && (0..<1).contains(adamBeta2), "adam_beta1' and 'train.adam_beta2", "in [0, 1)")
        try require(warmupSteps >= 0, "warmup_steps", ">= 0")
        try require(batchSize > 0, "batch_size", "> 0")
        try require((evalBatchSize ?? 1) > 0, "eval_batch_size", "> 0")
        try require(gradientAccumulationSteps > 0, "gradient_accumulation_steps", "> 0")
        try require(epochs > 0 && epochs.isFinite, "epochs", "a positive number")
        try require((maxSteps ?? 1) > 0, "max_steps", "> 0")
        try require((evalSteps ?? 1) > 0, "eval_steps", "> 0")
        try require(loggingSteps > 0, "logging_steps", "> 0")
        try require((saveSteps ?? 1) > 0, "save_steps", "> 0")
        try require(saveTotalLimit >= 1, "save_total_limit", ">= 1")
        try require((earlyStoppingPatience ?? 1) > 0, "early_stopping_patience", "> 0")
        try require(earlyStoppingThreshold >= 0, "early_stopping_threshold", ">= 0")
        try require(maxGradNorm >= 0 && maxGradNorm.isFinite, "max_grad_norm", "a number >= 0")
    }

    /// The metric's logged name, `eval_` prefixed as Hugging Face does.
    public var bestMetricName: String {
        metricForBestModel.hasPrefix("eval_") ? metricForBestModel : "eval_" + metricForBestModel
    }

    public var bestMetricGreaterIsBetter: Bool {
        greaterIsBetter ?? !bestMetricName.hasSuffix("loss")
    }
}
