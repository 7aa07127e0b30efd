/// The base learning rates, unchanged: what training without a schedule does, behind the same interface.
public struct ConstantSchedule: LearningRateSchedule {
    public let baseLearningRates: [Float]

    public init(baseLearningRates: [Float]) throws {
        self.baseLearningRates = try validatedRates(baseLearningRates, "ConstantSchedule", "baseLearningRates")
    }

    public var groupCount: Int { baseLearningRates.count }

    public func learningRate(atStep step: Int, group: Int) -> Float { baseLearningRates[group] }
}
