import Foundation

/// One axis of a plot: the range it shows (widened to round tick values) and its ticks with their labels.
struct PlotAxis {
    struct Tick {
        let value: Double
        let label: String
    }

    let isLogarithmic: Bool
    let lower: Double
    let upper: Double
    let ticks: [Tick]

    /// An axis covering `values`, which must be finite (and positive on a logarithmic axis); with no values
    /// it covers 0…1 (1…10 on a log axis).
    init(covering values: [Double], logarithmic: Bool) {
        isLogarithmic = logarithmic
        let low = values.min(), high = values.max()
        (lower, upper, ticks) = logarithmic
            ? Self.logarithmicTicks(low ?? 1, high ?? 10)
            : Self.linearTicks(low ?? 0, high ?? 1)
    }

    /// Where `value` falls between the ends of the axis: 0 at `lower`, 1 at `upper`.
    func fraction(_ value: Double) -> Double {
        isLogarithmic
            ? (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
            : (value - lower) / (upper - lower)
    }

    /// Whether `value` can be drawn on this axis at all.
    func canShow(_ value: Double) -> Bool {
        value.isFinite && (!isLogarithmic || value > 0)
    }

    /// Ticks at 1, 2 or 5 × 10ⁿ, about five intervals, and the range rounded out to the outer ticks.
    private static func linearTicks(_ low: Double, _ high: Double) -> (Double, Double, [Tick]) {
        var low = low, high = high
        if !(high > low) {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        let rough = (high - low) / 5
        let magnitude = pow(10, log10(rough).rounded(.down))
        let multiple = rough / magnitude
        let step = (multiple < 1.5 ? 1 : multiple < 3 ? 2 : multiple < 7 ? 5 : 10) * magnitude
        // The tolerance keeps 0.3 / 0.1 = 2.9999999999999996 from adding a tick below the data.
        let first = Int((low / step + 1e-9).rounded(.down)), last = Int((high / step - 1e-9).rounded(.up))
        let values = (first...last).map { Double($0) * step }
        let decimals = max(0, -Int((log10(step) + 1e-9).rounded(.down)))
        let largest = max(abs(values.first!), abs(values.last!))
        let ticks = values.map { value in
            Tick(value: value, label: decimals <= 4 && largest < 1e6
                ? String(format: "%.\(decimals)f", value) : scientificLabel(value))
        }
        return (values.first!, values.last!, ticks)
    }

    /// Ticks at powers of ten (every few decades over a wide range), adding 2 and 5 × 10ⁿ, or every
    /// digit, when the range is too narrow for decades alone; the range is rounded out to the outer ticks.
    private static func logarithmicTicks(_ low: Double, _ high: Double) -> (Double, Double, [Tick]) {
        var lowExponent = log10(low), highExponent = log10(high)
        if !(highExponent > lowExponent) {
            lowExponent -= 0.5
            highExponent += 0.5
        }
        let span = highExponent - lowExponent
        let multipliers: [Double] = span > 2.5 ? [1] : span > 0.8 ? [1, 2, 5] : Array(1...9).map(Double.init)
        let stride = span > 10 ? Int((span / 8).rounded(.up)) : 1
        var candidates: [(value: Double, exponent: Int, multiplier: Double)] = []
        for exponent in (Int(lowExponent.rounded(.down)) - stride)...(Int(highExponent.rounded(.up)) + stride)
        where exponent % stride == 0 {
            for multiplier in multipliers {
                candidates.append((multiplier * pow(10, Double(exponent)), exponent, multiplier))
            }
        }
        // Compare in log space with a little slack so 1e-7 from data and pow(10, -7) count as equal.
        let slack = 1e-9
        let lowerIndex = candidates.lastIndex { log10($0.value) <= lowExponent + slack } ?? 0
        let upperIndex = candidates.firstIndex { log10($0.value) >= highExponent - slack } ?? candidates.count - 1
        let ticks = candidates[lowerIndex...upperIndex].map { candidate in
            Tick(value: candidate.value,
                 label: (-3...4).contains(candidate.exponent)
                     ? String(format: "%.\(max(0, -candidate.exponent))f", candidate.value)
                     : scientificLabel(candidate.value))
        }
        return (ticks.first!.value, ticks.last!.value, ticks)
    }
}
