import Foundation

/// The one-cycle policy (Smith 2018) with fastai's `fit_one_cycle` semantics: over the first `pctStart` of the
/// run the learning rate rises from max/div to max and the momentum falls from momenta.start to
/// momenta.middle; over the rest the rate anneals to max/divFinal and the momentum climbs back to
/// momenta.end, both phases along half a cosine. Step s sits at position s / totalSteps, as fastai's
/// batch counter does (so the last step stops just short of the final values).
public struct OneCycleSchedule: LearningRateSchedule {
    public let maxLearningRates: [Float]
    public let totalSteps: Int
    public let pctStart: Double
    public let div: Double
    public let divFinal: Double
    public let momenta: (start: Float, middle: Float, end: Float)

    public init(maxLearningRates: [Float], totalSteps: Int, pctStart: Double = 0.25, div: Double = 25,
                divFinal: Double = 1e5, momenta: (start: Float, middle: Float, end: Float) = (0.95, 0.85, 0.95)) throws {
        let name = "OneCycleSchedule"
        self.maxLearningRates = try validatedRates(maxLearningRates, name, "maxLearningRates")
        try require(totalSteps > 0, name, "totalSteps", totalSteps, "> 0")
        try require(pctStart >= 0 && pctStart < 1, name, "pctStart", pctStart, "in [0, 1)")
        try require(div > 0 && div.isFinite, name, "div", div, "a finite number > 0")
        try require(divFinal > 0 && divFinal.isFinite, name, "divFinal", divFinal, "a finite number > 0")
        for (label, value) in [("start", momenta.start), ("middle", momenta.middle), ("end", momenta.end)] {
            try require(value >= 0 && value < 1, name, "momenta.\(label)", value, "in [0, 1)")
        }
        self.totalSteps = totalSteps
        self.pctStart = pctStart
        self.div = div
        self.divFinal = divFinal
        self.momenta = momenta
    }

    public var groupCount: Int { maxLearningRates.count }

    public func learningRate(atStep step: Int, group: Int) -> Float {
        let peak = Double(maxLearningRates[group])
        return Float(combinedCosine(step, peak / div, peak, peak / divFinal))
    }

    public func momentum(atStep step: Int) -> Float? {
        Float(combinedCosine(step, Double(momenta.start), Double(momenta.middle), Double(momenta.end)))
    }

    /// fastai's combined_cos: start → middle over [0, pctStart), middle → end over [pctStart, 1].
    private func combinedCosine(_ step: Int, _ start: Double, _ middle: Double, _ end: Double) -> Double {
        let position = min(Double(step) / Double(totalSteps), 1)
        if position < pctStart { return cosineStep(start, middle, position / pctStart) }
        return cosineStep(middle, end, (position - pctStart) / (1 - pctStart))
    }

    /// fastai's SchedCos: from `start` at 0 to `end` at 1 along half a cosine.
    private func cosineStep(_ start: Double, _ end: Double, _ position: Double) -> Double {
        start + (1 + cos(Double.pi * (1 - position))) * (end - start) / 2
    }
}
