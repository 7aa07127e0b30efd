import LemmaTensor

/// Cuts the learning rate when a metric stops improving, as torch.optim.lr_scheduler.ReduceLROnPlateau. Call
/// `step(metric:)` once per evaluation, then `apply(to:step:)`. A metric improves on the best so far when it is
/// lower (mode min) or higher (max) by more than `threshold`, relative (best·(1 ∓ threshold)) or absolute
/// (best ∓ threshold). After more than `patience` evaluations without improvement each group's rate becomes
/// max(rate·factor, its minimum) (unless that changes it by no more than `eps`), and the next `cooldown`
/// evaluations do not count as bad.
public final class ReduceLROnPlateau: LearningRateSchedule {
    public enum Mode: String, Sendable { case min, max }
    public enum ThresholdMode: String, Sendable { case relative, absolute }

    public let mode: Mode
    public let factor: Double
    public let patience: Int
    public let threshold: Double
    public let thresholdMode: ThresholdMode
    public let cooldown: Int
    public let minLearningRates: [Float]
    public let eps: Double

    public private(set) var learningRates: [Float]
    public private(set) var best: Float
    public private(set) var badEvaluations = 0
    public private(set) var cooldownCounter = 0
    public private(set) var evaluations = 0

    /// `minLearningRates`: one floor for every group, or one per group.
    public init(baseLearningRates: [Float], mode: Mode = .min, factor: Double = 0.1, patience: Int = 10,
                threshold: Double = 1e-4, thresholdMode: ThresholdMode = .relative, cooldown: Int = 0,
                minLearningRates: [Float] = [0], eps: Double = 1e-8) throws {
        let name = "ReduceLROnPlateau"
        learningRates = try validatedRates(baseLearningRates, name, "baseLearningRates")
        try require(factor >= 0 && factor < 1, name, "factor", factor, "in [0, 1)")
        try require(patience >= 0, name, "patience", patience, ">= 0")
        try require(threshold >= 0 && threshold.isFinite, name, "threshold", threshold, "a finite number >= 0")
        try require(cooldown >= 0, name, "cooldown", cooldown, ">= 0")
        try require(eps >= 0 && eps.isFinite, name, "eps", eps, "a finite number >= 0")
        try require(minLearningRates.count == 1 || minLearningRates.count == baseLearningRates.count, name,
                    "minLearningRates", minLearningRates, "one rate, or one per group (\(baseLearningRates.count))")
        let floors = try validatedRates(minLearningRates, name, "minLearningRates")
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.cooldown = cooldown
        self.minLearningRates = floors.count == 1 ? Array(repeating: floors[0], count: baseLearningRates.count) : floors
        self.eps = eps
        best = mode == .min ? .infinity : -.infinity
    }

    public var groupCount: Int { learningRates.count }

    /// The current rate: a plateau schedule moves with the metric, not the step.
    public func learningRate(atStep step: Int, group: Int) -> Float { learningRates[group] }

    /// Records one evaluation's metric, cutting the rates after too long a plateau.
    public func step(metric: Float) {
        evaluations += 1
        if improves(Double(metric)) {
            best = metric
            badEvaluations = 0
        } else {
            badEvaluations += 1
        }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            badEvaluations = 0
        }
        if badEvaluations > patience {
            for group in learningRates.indices {
                let old = Double(learningRates[group])
                let new = max(old * factor, Double(minLearningRates[group]))
                if old - new > eps { learningRates[group] = Float(new) }
            }
            cooldownCounter = cooldown
            badEvaluations = 0
        }
    }

    private func improves(_ value: Double) -> Bool {
        let best = Double(self.best)
        switch (mode, thresholdMode) {
        case (.min, .relative): return value < best * (1 - threshold)
        case (.min, .absolute): return value < best - threshold
        case (.max, .relative): return value > best * (threshold + 1)
        case (.max, .absolute): return value > best + threshold
        }
    }

    public func stateDict() -> [String: Tensor] {
        ["best": Tensor(scalar: best), "num_bad_epochs": countTensor(badEvaluations),
         "cooldown_counter": countTensor(cooldownCounter), "last_epoch": countTensor(evaluations),
         "learning_rates": Tensor(learningRates)]
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        var reader = StateDictReader(state, owner: "ReduceLROnPlateau")
        let best = try reader.scalar("best")
        let bad = try reader.count("num_bad_epochs")
        let cooling = try reader.count("cooldown_counter")
        let evaluations = try reader.count("last_epoch")
        let rates = try reader.tensor("learning_rates", shape: [groupCount]).scalars
        _ = try validatedRates(rates, reader.owner, "learning_rates")
        try reader.finish()
        (self.best, badEvaluations, cooldownCounter, self.evaluations, learningRates) = (best, bad, cooling, evaluations, rates)
    }
}
