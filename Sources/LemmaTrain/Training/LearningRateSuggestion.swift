import Foundation

/// fastai's learning-rate suggestions (fastai/callback/schedule.py), computed from the points of a sweep that
/// `LearningRateSweep.suggestionInput` gives: learning rates ascending, smoothed losses, no NaN.
/// Each reproduces fastai's function step for step, quirks included (noted where they show).
public enum LearningRateSuggestion: String, CaseIterable, Sendable, Equatable {
    /// The middle of the longest descending stretch of the curve (fastai's default).
    case valley
    /// Where the loss falls fastest per decade of learning rate.
    case steep
    /// A tenth of the learning rate with the lowest loss.
    case minimum
    /// The lowest rate of the flat-gradient stretch found sliding a window down from the end of the curve.
    case slide

    /// A suggested learning rate and the point fastai marks on its plot for it.
    public struct Result: Sendable, Equatable {
        public var method: LearningRateSuggestion
        public var learningRate: Double
        /// The learning rate where the plot marks this suggestion (for `minimum`, the minimum itself).
        public var markerLearningRate: Double
        /// The loss where the plot marks this suggestion.
        public var markerLoss: Double
    }

    /// This method's suggestion, or nil when fastai's function would fail on so few points.
    public func suggest(learningRates: [Double], losses: [Double]) -> Result? {
        precondition(learningRates.count == losses.count,
                     "LearningRateSuggestion: \(learningRates.count) learning rates for \(losses.count) losses")
        switch self {
        case .valley: return Self.valley(learningRates: learningRates, losses: losses)
        case .steep: return Self.steep(learningRates: learningRates, losses: losses)
        case .minimum: return Self.minimum(learningRates: learningRates, losses: losses)
        case .slide: return Self.slide(learningRates: learningRates, losses: losses)
        }
    }

    /// fastai's `valley`: longest strictly decreasing subsequence ending at each point, tracked in one pass.
    /// Quirk kept: the start of the best run is recorded when its end is first found, not re-derived later.
    /// Quirk kept: a run ending at the second point puts the index at -1, which Python reads as the last one.
    public static func valley(learningRates lrs: [Double], losses: [Double]) -> Result? {
        let n = losses.count
        guard n > 0 else { return nil }
        var runLength = [Int](repeating: 1, count: n)
        var bestStart = 0, bestEnd = 0
        for i in 1..<n {
            for j in 0..<i {
                if losses[i] < losses[j] && runLength[i] < runLength[j] + 1 {
                    runLength[i] = runLength[j] + 1
                }
                if runLength[bestEnd] < runLength[i] {
                    bestEnd = i
                    bestStart = bestEnd - runLength[bestEnd]
                }
            }
        }
        let sections = Double(bestEnd - bestStart) / 3
        var index = bestStart + Int(sections) + Int(sections / 2)
        if index < 0 { index += n }
        return Result(method: .valley, learningRate: lrs[index], markerLearningRate: lrs[index], markerLoss: losses[index])
    }

    /// fastai's `steep`: the learning rate at the most negative slope of loss against ln(lr) (slopes between
    /// neighbours, attributed to the left point; the first of equal minima).
    public static func steep(learningRates lrs: [Double], losses: [Double]) -> Result? {
        guard lrs.count >= 2 else { return nil }
        let slopes = (0..<(lrs.count - 1)).map { (i: Int) -> Double in
            let rise: Double = losses[i + 1] - losses[i]
            return rise / (log(lrs[i + 1]) - log(lrs[i]))
        }
        let rate = lrs[firstIndexOfMinimum(slopes)]
        return Result(method: .steep, learningRate: rate, markerLearningRate: rate, markerLoss: losses[nearestIndex(of: rate, in: lrs)])
    }

    /// fastai's `minimum`: a tenth of the learning rate with the lowest loss (the first, on ties).
    public static func minimum(learningRates lrs: [Double], losses: [Double]) -> Result? {
        guard !lrs.isEmpty else { return nil }
        let rate = lrs[firstIndexOfMinimum(losses)]
        return Result(method: .minimum, learningRate: rate / 10, markerLearningRate: rate,
                      markerLoss: losses[nearestIndex(of: rate, in: lrs)])
    }

    /// fastai's `slide`: moving a window of `lrDiff` points left from the end, stop where the loss gradient
    /// (numpy's `gradient`) at both ends differs by at most `threshold`; suggest the window's left end from
    /// the step before (its first left end if it stops at once), times `adjustValue`.
    public static func slide(learningRates lrs: [Double], losses: [Double], lrDiff: Int = 15, threshold: Double = 0.005,
                             adjustValue: Double = 1) -> Result? {
        let n = losses.count
        // fastai indexes lrs[-(lrDiff + 1)] before anything else, and numpy needs two points for a gradient.
        guard n >= lrDiff + 1, n >= 2 else { return nil }
        let gradient = (0..<n).map { (i: Int) -> Double in
            if i == 0 { return losses[1] - losses[0] }
            if i == n - 1 { return losses[n - 1] - losses[n - 2] }
            return (losses[i + 1] - losses[i - 1]) / 2
        }
        // Python's negative indices: -1 is the last point.
        var right = n - 1, left = right - lrDiff
        var localMinimum = lrs[left]
        while left >= 0 && abs(gradient[right] - gradient[left]) > threshold {
            localMinimum = lrs[left]
            right -= 1
            left -= 1
        }
        let rate = localMinimum * adjustValue
        let markerLoss = interpolate(log10(rate), xs: lrs.map(log10), ys: losses)
        return Result(method: .slide, learningRate: rate, markerLearningRate: rate, markerLoss: markerLoss)
    }

    private static func firstIndexOfMinimum(_ values: [Double]) -> Int {
        // torch's argmin: a NaN counts as the minimum; otherwise the first of equal minima.
        if let nan = values.firstIndex(where: \.isNaN) { return nan }
        var best = 0
        for i in values.indices where values[i] < values[best] { best = i }
        return best
    }

    private static func nearestIndex(of value: Double, in values: [Double]) -> Int {
        var best = 0
        for i in values.indices where abs(values[i] - value) < abs(values[best] - value) { best = i }
        return best
    }

    /// numpy's `interp`: piecewise-linear through (xs, ys), xs ascending, clamped to the end values.
    private static func interpolate(_ x: Double, xs: [Double], ys: [Double]) -> Double {
        guard let last = xs.indices.last else { return .nan }
        if x.isNaN { return .nan }
        if x <= xs[0] { return ys[0] }
        if x >= xs[last] { return ys[last] }
        // The interval with xs[j] <= x < xs[j + 1].
        var low = 0, high = last
        while high - low > 1 {
            let middle = (low + high) / 2
            if xs[middle] <= x { low = middle } else { high = middle }
        }
        let slope = (ys[low + 1] - ys[low]) / (xs[low + 1] - xs[low])
        return slope * (x - xs[low]) + ys[low]
    }
}
