import LemmaTensor

/// y = x W + b with W stored [in, out]: Hugging Face's GPT-2 `Conv1D` (keys `weight`, `bias`), so its
/// checkpoints load and save without transposing. Initialized N(0, std²) with a zero bias, as GPT-2 is.
public final class InOutLinear: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor

    public init(_ inFeatures: Int, _ outFeatures: Int, std: Float = 0.02, generator: RandomGenerator? = nil) {
        weight = Tensor.normal([inFeatures, outFeatures], std: std, generator: generator)
        weight.requiresGrad = true
        bias = Tensor.zeros([outFeatures])
        bias.requiresGrad = true
        super.init()
    }

    public var inFeatures: Int { weight.shape[0] }
    public var outFeatures: Int { weight.shape[1] }

    public func callAsFunction(_ input: Tensor) -> Tensor { input.linear(weightInOut: weight, bias: bias) }
}
