import LemmaTensor
import Testing

/// Compares autograd's gradients with central finite differences of L = Σ f(x) ⊙ w, w fixed and random,
/// with L accumulated in Double. `eps` and the tolerances suit Float32 inputs of magnitude ~1.
func checkGradients(_ inputs: [Tensor], eps: Float = 1e-2, rtol: Double = 2e-2, atol: Double = 2e-3,
                    _ label: String, sourceLocation: SourceLocation = #_sourceLocation,
                    _ f: ([Tensor]) -> Tensor) {
    for x in inputs { x.requiresGrad = true; x.zeroGrad() }
    let probe = f(inputs)
    let weights = Tensor.uniform(probe.shape, low: -1, high: 1, generator: RandomGenerator(seed: 7))
    let w = weights.scalars
    func loss() -> Double {
        let y = withNoGrad { f(inputs) }.scalars
        return zip(y, w).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
    (probe * weights).sum().backward()
    for (n, x) in inputs.enumerated() {
        guard let analytic = x.grad?.scalars else {
            Issue.record("\(label): input \(n) got no gradient", sourceLocation: sourceLocation)
            continue
        }
        for i in 0..<x.count {
            let original = x.withUnsafeBufferPointer { $0[i] }
            x.withUnsafeMutableBufferPointer { $0[i] = original + eps }
            let plus = loss()
            x.withUnsafeMutableBufferPointer { $0[i] = original - eps }
            let minus = loss()
            x.withUnsafeMutableBufferPointer { $0[i] = original }
            let numeric = (plus - minus) / (2 * Double(eps))
            let a = Double(analytic[i])
            if Swift.abs(a - numeric) > atol + rtol * Swift.abs(numeric) {
                Issue.record("\(label): d/dx\(n)[\(i)] autograd \(a) vs finite difference \(numeric)",
                             sourceLocation: sourceLocation)
                return
            }
        }
    }
}

/// Values in ±[0.2, 1], away from the kinks of relu/abs/max for finite differences.
func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
    let g = RandomGenerator(seed: seed)
    let values = (0..<shape.reduce(1, *)).map { _ -> Float in
        let magnitude = 0.2 + 0.8 * g.nextFloat()
        return g.nextFloat() < 0.5 ? -magnitude : magnitude
    }
    return Tensor(values, shape: shape)
}

func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    Tensor.uniform(shape, low: low, high: high, generator: RandomGenerator(seed: seed))
}
