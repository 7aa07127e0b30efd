import LemmaTensor

/// 1-D convolution over [N, C, L] (keys `weight` [out, in/groups, k], `bias` [out]), PyTorch's `nn.Conv1d`.
public final class Conv1d: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int, padding: Int, dilation: Int, groups: Int

    /// PyTorch's default initialization: U(-1/√fan_in, 1/√fan_in), fan_in = in/groups · k.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: RandomGenerator? = nil) {
        let bound = 1 / Float(inChannels / groups * kernelSize).squareRoot()
        weight = .uniformParameter([outChannels, inChannels / groups, kernelSize], bound: bound, generator: generator)
        self.bias = bias ? .uniformParameter([outChannels], bound: bound, generator: generator) : nil
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        super.init()
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.conv1d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

/// 2-D convolution over [N, C, H, W] (keys `weight` [out, in/groups, kh, kw], `bias`), PyTorch's `nn.Conv2d`.
public final class Conv2d: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Size2D, padding: Size2D, dilation: Size2D, groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Size2D = 0,
                dilation: Size2D = 1, groups: Int = 1, bias: Bool = true, initialization: WeightInitialization = .pytorch,
                generator: RandomGenerator? = nil) {
        let area = kernelSize.height * kernelSize.width
        let pytorch = initialization == .pytorch
        let bound = pytorch ? 1 / Float(inChannels / groups * area).squareRoot()
            : WeightInitialization.glorotBound(fanIn: inChannels / groups * area, fanOut: outChannels * area)
        weight = .uniformParameter([outChannels, inChannels / groups, kernelSize.height, kernelSize.width],
                                   bound: bound, generator: generator)
        self.bias = bias ? (pytorch ? .uniformParameter([outChannels], bound: bound, generator: generator) : .zeroParameter([outChannels])) : nil
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        super.init()
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}
