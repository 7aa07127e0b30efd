/// Checks autograd against central finite differences (PyTorch's `gradcheck`), for tests of new ops and
/// layers: L = Σ f(inputs) ⊙ w with fixed random w, accumulated in Double; each input element is nudged by
/// ±eps and (L⁺ - L⁻)/2eps compared with the gradient backward() gives.
public struct GradientCheckFailure: CustomStringConvertible {
    public let input: Int, element: Int
    public let analytic: Double, numeric: Double

    public var description: String {
        "d/d input \(input) [\(element)]: autograd \(analytic), finite difference \(numeric)"
    }
}

/// Returns the first element whose gradient disagrees, or nil when all agree within atol + rtol·|numeric|.
/// Sets `requiresGrad` on every input and leaves their `grad` filled.
public func gradientCheck(_ inputs: [Tensor], eps: Float = 1e-2, rtol: Double = 2e-2, atol: Double = 2e-3,
                          seed: UInt64 = 7, _ f: ([Tensor]) -> Tensor) -> GradientCheckFailure? {
    for x in inputs {
        x.requiresGrad = true
        x.zeroGrad()
    }
    let probe = f(inputs)
    let weights = Tensor.uniform(probe.shape, low: -1, high: 1, generator: RandomGenerator(seed: seed))
    let w = weights.scalars
    func loss() -> Double {
        let y = withNoGrad { f(inputs) }.scalars
        return zip(y, w).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
    (probe * weights).sum().backward()
    for (n, x) in inputs.enumerated() {
        let analytic = x.grad?.scalars ?? [Float](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let original = x.storage.pointer[i]
            x.storage.pointer[i] = original + eps
            let plus = loss()
            x.storage.pointer[i] = original - eps
            let minus = loss()
            x.storage.pointer[i] = original
            let numeric = (plus - minus) / (2 * Double(eps))
            let a = Double(analytic[i])
            if Swift.abs(a - numeric) > atol + rtol * Swift.abs(numeric) {
                return GradientCheckFailure(input: n, element: i, analytic: a, numeric: numeric)
            }
        }
    }
    return nil
}
