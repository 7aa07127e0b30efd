import LemmaTensor

/// y = x Wᵀ + b, with W stored [out, in] as in PyTorch (keys `weight`, `bias`).
public final class Linear: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor?

    /// PyTorch's default initialization: U(-1/√in, 1/√in) for weight and bias (or Glorot-uniform weights and
    /// zero biases).
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, initialization: WeightInitialization = .pytorch,
                generator: RandomGenerator? = nil) {
        switch initialization {
        case .pytorch:
            let bound = 1 / Float(inFeatures).squareRoot()
            weight = .uniformParameter([outFeatures, inFeatures], bound: bound, generator: generator)
            self.bias = bias ? .uniformParameter([outFeatures], bound: bound, generator: generator) : nil
        case .glorotUniform:
            weight = .uniformParameter([outFeatures, inFeatures], bound: WeightInitialization.glorotBound(fanIn: inFeatures, fanOut: outFeatures),
                                       generator: generator)
            self.bias = bias ? .zeroParameter([outFeatures]) : nil
        }
        super.init()
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public func callAsFunction(_ input: Tensor) -> Tensor { input.linear(weight: weight, bias: bias) }
}
