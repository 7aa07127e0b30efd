import LemmaTensor

/// A module that maps one tensor to one tensor, so it can be stacked in a `Sequential`.
public protocol UnaryLayer: Module {
    func callAsFunction(_ input: Tensor) -> Tensor
}

/// Where new parameters get their initial values: an explicit generator for reproducible models, or the
/// shared one that `Random.seed(_:)` resets. Layers use it for initialization only: their dropout masks
/// come from the generator in effect when they run (a trainer's, saved in its checkpoints), so a resumed run
/// draws the same masks as an uninterrupted one.
public typealias Initializer = RandomGenerator?

/// How a layer's weights start: PyTorch's default (U(±1/√fan_in) for weights and biases) or Glorot-uniform
/// weights with zero biases (TensorFlow's and Keras's default, which seed 003's model was trained with).
public enum WeightInitialization: Sendable {
    case pytorch
    case glorotUniform

    /// U(±√(6 / (fan_in + fan_out))).
    static func glorotBound(fanIn: Int, fanOut: Int) -> Float { (6 / Float(fanIn + fanOut)).squareRoot() }
}

extension Tensor {
    /// Zeros that learn (Glorot-initialized layers' biases).
    static func zeroParameter(_ shape: [Int]) -> Tensor {
        let t = Tensor.zeros(shape)
        t.requiresGrad = true
        return t
    }

    /// U(-bound, bound), the scheme PyTorch's Linear, Conv and RNN layers use with bound = 1/sqrt(fan_in).
    static func uniformParameter(_ shape: [Int], bound: Float, generator: RandomGenerator?) -> Tensor {
        let t = Tensor.uniform(shape, low: -bound, high: bound, generator: generator)
        t.requiresGrad = true
        return t
    }
}
