import LemmaTensor
import Testing

/// Records an issue when autograd's gradients disagree with finite differences (see `gradientCheck`).
func checkGradients(_ inputs: [Tensor], eps: Float = 1e-2, rtol: Double = 2e-2, atol: Double = 2e-3,
                    _ label: String, sourceLocation: SourceLocation = #_sourceLocation,
                    _ f: ([Tensor]) -> Tensor) {
    if let failure = gradientCheck(inputs, eps: eps, rtol: rtol, atol: atol, f) {
        Issue.record("\(label): \(failure)", sourceLocation: sourceLocation)
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
