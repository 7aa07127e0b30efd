import LemmaTensor

/// How the learning rate (and, for one-cycle, the momentum) changes over a run. A schedule knows each
/// group's base learning rate and gives the rate for any optimizer step, so a resumed run only needs the
/// step count; ReduceLROnPlateau, driven by a metric instead, keeps its own state and saves it.
///
///     schedule.apply(to: optimizer, step: step)    // before each optimizer.step()
public protocol LearningRateSchedule {
    /// The learning rate of group `group` for optimizer step `step` (0 for the first step).
    func learningRate(atStep step: Int, group: Int) -> Float

    /// The momentum (SGD, RMSprop) or beta1 (Adam) for that step, for schedules that cycle it; nil otherwise.
    func momentum(atStep step: Int) -> Float?

    /// The number of parameter groups the schedule has base rates for.
    var groupCount: Int { get }

    /// State that is not a function of the step, as tensors; empty for the stateless schedules.
    func stateDict() -> [String: Tensor]

    /// Restores `stateDict()`; throws `OptimizerError` naming a missing, unexpected or malformed key.
    mutating func loadStateDict(_ state: [String: Tensor]) throws
}

extension LearningRateSchedule {
    public func momentum(atStep step: Int) -> Float? { nil }

    public func stateDict() -> [String: Tensor] { [:] }

    public mutating func loadStateDict(_ state: [String: Tensor]) throws {
        let reader = StateDictReader(state, owner: "\(Self.self)")
        try reader.finish()
    }

    /// Sets every group's learning rate (and momentum, where the schedule cycles it) for `step`.
    public func apply(to optimizer: some Optimizer, step: Int) {
        guard optimizer.groupCount == groupCount else {
            fatalError("\(Self.self): has rates for \(groupCount) groups, the optimizer has \(optimizer.groupCount)")
        }
        let momentum = momentum(atStep: step)
        for group in 0..<groupCount {
            optimizer.setLearningRate(learningRate(atStep: step, group: group), group: group)
            if let momentum { optimizer.setMomentum(momentum, group: group) }
        }
    }
}

/// Checks the base learning rates every schedule starts from.
func validatedRates(_ rates: [Float], _ owner: String, _ option: String) throws -> [Float] {
    try require(!rates.isEmpty, owner, option, rates, "one rate per parameter group")
    for rate in rates { try require(isNonNegative(rate), owner, option, rate, "a finite number >= 0") }
    return rates
}
