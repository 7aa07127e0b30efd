import LemmaTensor

/// y = x Wᵀ + b, with W stored [out, in] as in PyTorch (keys `weight`, `bias`).
public final class Linear: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor?

    /// PyTorch's default initialization: U(-1/√in, 1/√in) for weight and bias.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: RandomGenerator? = nil) {
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = .uniformParameter([outFeatures, inFeatures], bound: bound, generator: generator)
        self.bias = bias ? .uniformParameter([outFeatures], bound: bound, generator: generator) : nil
        super.init()
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public func callAsFunction(_ input: Tensor) -> Tensor { input.linear(weight: weight, bias: bias) }
}
