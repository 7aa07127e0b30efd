import LemmaTensor

/// Activation functions as layers, for `Sequential` stacks.
public final class ReLU: Module, UnaryLayer {
    public override init() { super.init() }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.relu() }
}

public final class Tanh: Module, UnaryLayer {
    public override init() { super.init() }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.tanh() }
}

public final class Sigmoid: Module, UnaryLayer {
    public override init() { super.init() }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.sigmoid() }
}

/// GELU, exact (PyTorch's default) or with GPT-2's tanh approximation.
public final class GELU: Module, UnaryLayer {
    public let approximateTanh: Bool

    public init(approximateTanh: Bool = false) {
        self.approximateTanh = approximateTanh
        super.init()
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { approximateTanh ? input.geluTanh() : input.gelu() }
}

/// Softmax over `axis` as a layer.
public final class Softmax: Module, UnaryLayer {
    public let axis: Int

    public init(axis: Int = -1) {
        self.axis = axis
        super.init()
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { input.softmax(axis: axis) }
}
