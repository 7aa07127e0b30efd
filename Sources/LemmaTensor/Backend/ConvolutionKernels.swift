/// Convolution and pooling primitives a backend provides (part of `Backend`). Buffers are contiguous
/// NC[H]W; weights are [out, in / groups, k...] as in PyTorch. Outputs are overwritten, never accumulated.
public protocol ConvolutionKernels {
    /// y = conv(x, weight) + bias.
    func convolution(_ x: TensorStorage, weight: TensorStorage, bias: TensorStorage?, _ y: TensorStorage,
                     geometry: ConvolutionGeometry)
    /// The gradients of the input (a transposed convolution of `gradOutput`), the weight and the bias, each
    /// computed only when its buffer is given; `geometry.hasBias` says whether `gradBias` is.
    func convolutionBackward(_ x: TensorStorage, weight: TensorStorage, gradOutput: TensorStorage,
                             gradInput: TensorStorage?, gradWeight: TensorStorage?, gradBias: TensorStorage?,
                             geometry: ConvolutionGeometry)

    /// Max over each window; `indices` gets each max's flat position within its plane.
    func maxPool(_ x: TensorStorage, _ y: TensorStorage, indices: UnsafeMutablePointer<Int32>,
                 geometry: PoolGeometry)
    /// Max over adaptive windows of rows of `inputLength` (output i covers [⌊i L / n⌋, ⌈(i + 1) L / n⌉)).
    func adaptiveMaxPool1d(_ x: TensorStorage, _ y: TensorStorage, indices: UnsafeMutablePointer<Int32>,
                           planes: Int, inputLength: Int, outputLength: Int)
    /// gradInput = 0, then each plane's gradOutput added at `indices`: the backward of every max pool.
    func maxPoolBackward(gradOutput: TensorStorage, indices: UnsafePointer<Int32>, gradInput: TensorStorage,
                         planes: Int, inputPlane: Int, outputPlane: Int)
    /// Mean over each window, padded cells counted as zeros (PyTorch's `count_include_pad=True`).
    func avgPool(_ x: TensorStorage, _ y: TensorStorage, geometry: PoolGeometry)
    func avgPoolBackward(gradOutput: TensorStorage, gradInput: TensorStorage, geometry: PoolGeometry)
}

/// One convolution's sizes. Per-dim arrays hold the spatial dims in order ([width] for 1-D, [height, width]
/// for 2-D); `dilation` 1 means none, as in PyTorch.
public struct ConvolutionGeometry: Hashable, Sendable {
    public var batch: Int, inChannels: Int, outChannels: Int, groups: Int
    public var inputSize: [Int], outputSize: [Int]
    public var kernel: [Int], stride: [Int], padding: [Int], dilation: [Int]
    /// Whether the forward pass adds a bias, or the backward pass computes its gradient.
    public var hasBias: Bool

    public init(batch: Int, inChannels: Int, outChannels: Int, groups: Int, inputSize: [Int], outputSize: [Int],
                kernel: [Int], stride: [Int], padding: [Int], dilation: [Int], hasBias: Bool) {
        self.batch = batch
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.groups = groups
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.hasBias = hasBias
    }
}

/// One 2-D pooling's sizes over `planes` (batch × channels) independent planes; 1-D pooling is height 1.
public struct PoolGeometry: Hashable, Sendable {
    public var planes: Int
    public var inputSize: Size2D, outputSize: Size2D
    public var kernel: Size2D, stride: Size2D, padding: Size2D

    public init(planes: Int, inputSize: Size2D, outputSize: Size2D, kernel: Size2D, stride: Size2D,
                padding: Size2D) {
        self.planes = planes
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }
}

/// A (height, width) pair: a 2-D op's kernel size, stride, padding or dilation. Written `3` for (3, 3) or
/// `[2, 1]` for (2, 1), as PyTorch takes an int or a tuple.
public struct Size2D: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral,
                      CustomStringConvertible {
    public var height: Int, width: Int

    public init(_ height: Int, _ width: Int) {
        self.height = height
        self.width = width
    }

    public init(_ both: Int) { self.init(both, both) }
    public init(integerLiteral value: Int) { self.init(value, value) }

    public init(arrayLiteral elements: Int...) {
        precondition(elements.count == 2, "Size2D: needs [height, width], got \(elements)")
        self.init(elements[0], elements[1])
    }

    var pair: [Int] { [height, width] }
    public var description: String { "(\(height), \(width))" }
}
