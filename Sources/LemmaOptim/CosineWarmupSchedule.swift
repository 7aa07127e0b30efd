import Foundation

/// Linear warmup from 0 to the base rate over `warmupSteps`, then cosine decay, as Hugging Face's
/// get_cosine_schedule_with_warmup: with progress p = (s − warmup) / max(1, total − warmup),
///
///     factor(s) = max(0, (1 + cos(π · 2·cycles · p)) / 2)
///
/// `cycles` 0.5 (the default) is half a cosine wave: from the base rate down to 0 at `totalSteps`.
public struct CosineWarmupSchedule: LearningRateSchedule {
    public let baseLearningRates: [Float]
    public let warmupSteps: Int
    public let totalSteps: Int
    public let cycles: Double

    public init(baseLearningRates: [Float], warmupSteps: Int, totalSteps: Int, cycles: Double = 0.5) throws {
        self.baseLearningRates = try validatedRates(baseLearningRates, "CosineWarmupSchedule", "baseLearningRates")
        try require(warmupSteps >= 0, "CosineWarmupSchedule", "warmupSteps", warmupSteps, ">= 0")
        // A warm-up longer than the run is allowed and never reaches the base rate, as in Hugging Face.
        try require(totalSteps >= 1, "CosineWarmupSchedule", "totalSteps", totalSteps, ">= 1")
        try require(cycles > 0 && cycles.isFinite, "CosineWarmupSchedule", "cycles", cycles, "a finite number > 0")
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.cycles = cycles
    }

    public var groupCount: Int { baseLearningRates.count }

    public func factor(atStep step: Int) -> Double {
        if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        return max(0, 0.5 * (1 + cos(Double.pi * cycles * 2 * progress)))
    }

    public func learningRate(atStep step: Int, group: Int) -> Float {
        Float(Double(baseLearningRates[group]) * factor(atStep: step))
    }
}
