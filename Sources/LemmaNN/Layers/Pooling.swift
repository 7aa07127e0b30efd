import LemmaTensor

/// Pooling layers (PyTorch's `nn.MaxPool1d` … `nn.AdaptiveMaxPool1d`); the stride defaults to the kernel size.
public final class MaxPool1d: Module, UnaryLayer {
    public let kernelSize: Int, stride: Int?, padding: Int
    public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride, padding)
        super.init()
    }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.maxPool1d(kernelSize: kernelSize, stride: stride, padding: padding) }
}

public final class MaxPool2d: Module, UnaryLayer {
    public let kernelSize: Size2D, stride: Size2D?, padding: Size2D
    public init(_ kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) {
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride, padding)
        super.init()
    }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.maxPool2d(kernelSize: kernelSize, stride: stride, padding: padding) }
}

public final class AvgPool1d: Module, UnaryLayer {
    public let kernelSize: Int, stride: Int?, padding: Int
    public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride, padding)
        super.init()
    }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.avgPool1d(kernelSize: kernelSize, stride: stride, padding: padding) }
}

public final class AvgPool2d: Module, UnaryLayer {
    public let kernelSize: Size2D, stride: Size2D?, padding: Size2D
    public init(_ kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) {
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride, padding)
        super.init()
    }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.avgPool2d(kernelSize: kernelSize, stride: stride, padding: padding) }
}

/// Max over windows that divide the last dim into `outputSize` parts; 1 is the global max pool over time
/// of text CNNs. Output [N, C, outputSize].
public final class AdaptiveMaxPool1d: Module, UnaryLayer {
    public let outputSize: Int
    public init(_ outputSize: Int) {
        self.outputSize = outputSize
        super.init()
    }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.adaptiveMaxPool1d(outputSize: outputSize) }
}
