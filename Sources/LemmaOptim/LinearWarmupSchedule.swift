/// Linear warmup from 0 to the base rate over `warmupSteps`, then linear decay to 0 at `totalSteps` (and 0
/// after), as Hugging Face's get_linear_schedule_with_warmup:
///
///     factor(s) = s / max(1, warmup)                                  for s < warmup
///               = max(0, (total − s) / max(1, total − warmup))        otherwise
public struct LinearWarmupSchedule: LearningRateSchedule {
    public let baseLearningRates: [Float]
    public let warmupSteps: Int
    public let totalSteps: Int

    public init(baseLearningRates: [Float], warmupSteps: Int, totalSteps: Int) throws {
        self.baseLearningRates = try validatedRates(baseLearningRates, "LinearWarmupSchedule", "baseLearningRates")
        try require(warmupSteps >= 0, "LinearWarmupSchedule", "warmupSteps", warmupSteps, ">= 0")
        // A warm-up longer than the run is allowed and never reaches the base rate, as in Hugging Face.
        try require(totalSteps >= 1, "LinearWarmupSchedule", "totalSteps", totalSteps, ">= 1")
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    public var groupCount: Int { baseLearningRates.count }

    public func factor(atStep step: Int) -> Double {
        if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
        return max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
    }

    public func learningRate(atStep step: Int, group: Int) -> Float {
        Float(Double(baseLearningRates[group]) * factor(atStep: step))
    }
}
