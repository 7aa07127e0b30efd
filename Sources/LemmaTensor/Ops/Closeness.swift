/// Elementwise comparison within tolerances, as `torch.allclose`, reporting the worst element.
public struct Closeness: CustomStringConvertible {
    /// Whether every element satisfies |a - b| <= atol + rtol |b| (NaN only matches NaN).
    public let isClose: Bool
    /// The element furthest outside the tolerance (or nearest to it when all pass).
    public let worstIndex: Int
    public let actual: Float, expected: Float

    public var description: String {
        isClose ? "close" : "element \(worstIndex) is \(actual), expected \(expected)"
    }
}

extension Tensor {
    public func closeness(to expected: Tensor, rtol: Float = 1e-5, atol: Float = 1e-8) -> Closeness {
        guard shape == expected.shape else {
            return Closeness(isClose: false, worstIndex: -1, actual: .nan, expected: .nan)
        }
        let a = scalars, e = expected.scalars
        var worst = 0, worstExcess = -Float.infinity
        for i in a.indices {
            let bothNaN = a[i].isNaN && e[i].isNaN
            let excess = bothNaN ? -.infinity
                : (a[i].isNaN || e[i].isNaN) ? .infinity
                : Swift.abs(a[i] - e[i]) - (atol + rtol * Swift.abs(e[i]))
            if excess > worstExcess { worst = i; worstExcess = excess }
        }
        return Closeness(isClose: a.isEmpty || worstExcess <= 0, worstIndex: worst,
                         actual: a.isEmpty ? 0 : a[worst], expected: e.isEmpty ? 0 : e[worst])
    }
}
