import LemmaTensor

/// Layer normalization over the trailing `normalizedShape` dims (keys `weight`, `bias`).
public final class LayerNorm: Module, UnaryLayer {
    public let normalizedShape: [Int]
    public let eps: Float
    public let weight: Tensor?
    public let bias: Tensor?

    public init(_ normalizedShape: [Int], eps: Float = 1e-5, elementwiseAffine: Bool = true) {
        self.normalizedShape = normalizedShape
        self.eps = eps
        weight = elementwiseAffine ? Tensor.ones(normalizedShape) : nil
        bias = elementwiseAffine ? Tensor.zeros(normalizedShape) : nil
        super.init()
        weight?.requiresGrad = true
        bias?.requiresGrad = true
    }

    public convenience init(_ size: Int, eps: Float = 1e-5) { self.init([size], eps: eps) }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.layerNorm(normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
    }
}
