import LemmaTensor

/// Zeroes each element with probability `p` in training and scales the rest by 1/(1-p); identity in eval.
public final class Dropout: Module, UnaryLayer {
    public let probability: Float
    public let generator: RandomGenerator?

    public init(_ probability: Float, generator: RandomGenerator? = nil) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability must be in [0, 1), got \(probability)")
        self.probability = probability
        self.generator = generator
        super.init()
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard let keep = keepMask(input.shape) else { return input }
        return input * keep
    }

    /// The mask this layer would multiply a tensor of `shape` by (0, or 1/(1 − p) for kept elements), for fused
    /// kernels that apply dropout themselves; nil when it would do nothing (eval, or p = 0). The kept elements'
    /// scale is in the mask, so dropout is one multiply (1·s + 0 = s exactly: the same numbers as scaling a 0/1 mask).
    public func keepMask(_ shape: [Int]) -> Tensor? {
        guard isTraining, probability > 0 else { return nil }
        return Tensor.bernoulli(shape, probability: 1 - probability, value: 1 / (1 - probability), generator: generator)
    }
}
