import LemmaTensor

/// Layers applied in order; keys are the positions, as in PyTorch's `nn.Sequential` (`0.weight`, …).
public final class Sequential: Module, UnaryLayer {
    public let layers: [any UnaryLayer]

    public init(_ layers: [any UnaryLayer]) {
        self.layers = layers
        super.init()
    }

    public convenience init(_ layers: any UnaryLayer...) { self.init(layers) }

    public override func children() -> [(key: String, module: Module)] {
        layers.enumerated().map { (String($0.offset), $0.element as Module) }
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        layers.reduce(input) { x, layer in
            let y = layer(x)
            ShapeTrace.record(layer, y)
            return y
        }
    }
}
