import Foundation

/// The learning-rate range test ("LR finder") as fastai runs it, without the training: the caller trains one
/// batch at `learningRateForNextStep`, passes the loss to `record(loss:)`, and stops when it returns false.
///
/// - Schedule: fastai's `SchedExp` at position `iteration / iterations`, so the last rate tried is just below
///   `end` (fastai's `LRFinder`; like it, fewer than 6 iterations are raised to 6).
/// - Smoothing: fastai's `Recorder` / `AvgSmoothLoss`, an exponential moving average debiased by
///   `1 − β^count`.
/// - Stopping: after `iterations` steps, or (with `stopOnDivergence`) once the smoothed loss exceeds 4 × the
///   best so far, checked after updating the best, as `LRFinder.after_batch` does. It also stops at a NaN
///   loss, where fastai trains on to the end; the suggestions are the same either way, since fastai cuts its
///   record at the first NaN.
public struct LearningRateSweep: Sendable, Equatable {
    public enum StopReason: String, Sendable, Equatable {
        /// All `iterations` steps were run.
        case completed
        /// The smoothed loss rose above 4 × the best smoothed loss.
        case diverged
        /// The loss was NaN.
        case lossIsNaN
    }

    public let startLearningRate: Double
    public let endLearningRate: Double
    public let iterations: Int
    public let stopOnDivergence: Bool
    /// Smoothing factor of the loss average (fastai's `beta`).
    public let beta: Double

    /// The learning rate of each recorded step.
    public private(set) var learningRates: [Double] = []
    /// The raw loss of each recorded step.
    public private(set) var losses: [Double] = []
    /// The debiased moving average after each step: what fastai plots and suggests from.
    public private(set) var smoothedLosses: [Double] = []
    /// Why the sweep stopped; nil while it runs.
    public private(set) var stopReason: StopReason?
    /// The lowest smoothed loss so far (infinity before the first step).
    public private(set) var bestSmoothedLoss = Double.infinity
    private var average = 0.0

    public init(start: Double = 1e-7, end: Double = 10, iterations: Int = 100, stopOnDivergence: Bool = true,
                beta: Double = 0.98) {
        precondition(start > 0 && end > 0 && start.isFinite && end.isFinite,
                     "LearningRateSweep: start (\(start)) and end (\(end)) must be positive")
        precondition(iterations > 0, "LearningRateSweep: iterations must be positive, not \(iterations)")
        precondition((0..<1).contains(beta), "LearningRateSweep: beta must be in [0, 1), not \(beta)")
        startLearningRate = start
        endLearningRate = end
        self.iterations = max(6, iterations)
        self.stopOnDivergence = stopOnDivergence
        self.beta = beta
    }

    /// The learning rate of step `iteration` (0-based): start · (end / start)^(iteration / iterations).
    public func learningRate(at iteration: Int) -> Double {
        startLearningRate * pow(endLearningRate / startLearningRate, Double(iteration) / Double(iterations))
    }

    /// The learning rate to train the next step with.
    public var learningRateForNextStep: Double { learningRate(at: losses.count) }

    public var isFinished: Bool { stopReason != nil }

    /// Records the loss of the step just trained at `learningRateForNextStep`; returns false when the sweep
    /// is over (then `stopReason` says why).
    @discardableResult
    public mutating func record(loss: Double) -> Bool {
        precondition(!isFinished, "LearningRateSweep: record(loss:) after the sweep stopped (\(stopReason!.rawValue))")
        learningRates.append(learningRateForNextStep)
        losses.append(loss)
        average = Self.lerp(from: loss, to: average, weight: beta)
        let smoothed = average / (1 - pow(beta, Double(losses.count)))
        smoothedLosses.append(smoothed)
        if smoothed < bestSmoothedLoss { bestSmoothedLoss = smoothed }
        if smoothed.isNaN {
            stopReason = .lossIsNaN
        } else if stopOnDivergence && smoothed > 4 * bestSmoothedLoss {
            stopReason = .diverged
        } else if losses.count >= iterations {
            stopReason = .completed
        }
        return !isFinished
    }

    /// torch.lerp's formula (fastai averages with it): of its two algebraically equal forms it picks the one
    /// that keeps an infinite loss infinite instead of turning it into NaN.
    private static func lerp(from start: Double, to end: Double, weight: Double) -> Double {
        weight < 0.5 ? start + weight * (end - start) : end - (end - start) * (1 - weight)
    }

    /// The (learning rates, smoothed losses) fastai's `lr_find` hands to the suggestion functions: the first
    /// `iterations / 10` and the last 5 recorded steps are dropped, then everything from the first NaN on.
    public var suggestionInput: (learningRates: [Double], losses: [Double]) {
        // Where fastai would have stopped: it trains on through NaN losses to the last iteration.
        let fastaiCount = stopReason == .lossIsNaN ? iterations : smoothedLosses.count
        let start = min(iterations / 10, smoothedLosses.count)
        var end = min(max(fastaiCount - 5, 0), smoothedLosses.count)
        if let firstNaN = smoothedLosses[start..<max(start, end)].firstIndex(where: \.isNaN) { end = firstNaN }
        guard end > start else { return ([], []) }
        return (Array(learningRates[start..<end]), Array(smoothedLosses[start..<end]))
    }

    /// fastai's suggestions from this sweep, in the order of `methods`, leaving out those that cannot be
    /// computed (too few points: `slide` needs 16, `steep` 2).
    public func suggestions(_ methods: [LearningRateSuggestion] = [.valley]) -> [LearningRateSuggestion.Result] {
        let (rates, smoothed) = suggestionInput
        return methods.compactMap { $0.suggest(learningRates: rates, losses: smoothed) }
    }
}
