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

extension Tensor {
    /// U(-bound, bound), the scheme PyTorch's Linear, Conv and RNN layers use with bound = 1/sqrt(fan_in).
    static func uniformParameter(_ shape: [Int], bound: Float, generator: RandomGenerator?) -> Tensor {
        let t = Tensor.uniform(shape, low: -bound, high: bound, generator: generator)
        t.requiresGrad = true
        return t
    }
}
