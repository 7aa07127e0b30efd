import CLemmaKernels

/// Convolution through oneDNN (Sources/CLemmaKernels/convolution.c: primitives cached per shape) or Lemma's
/// Winograd kernels (winograd.c; `ConvolutionAlgorithm` says which), pooling through Lemma's own loops (pooling.c).
extension CPUBackend: ConvolutionKernels {
    public func convolution(_ x: TensorStorage, weight: TensorStorage, bias: TensorStorage?, _ y: TensorStorage,
                            geometry: ConvolutionGeometry) {
        var shape = geometry.kernelShape
        let status = lemma_conv_forward(&shape, x.pointer, weight.pointer, bias?.pointer, y.pointer)
        check(status, "forward", geometry)
    }

    public func convolutionBackward(_ x: TensorStorage, weight: TensorStorage, gradOutput: TensorStorage,
                                    gradInput: TensorStorage?, gradWeight: TensorStorage?, gradBias: TensorStorage?,
                                    geometry: ConvolutionGeometry) {
        var shape = geometry.kernelShape
        let status = lemma_conv_backward(&shape, x.pointer, weight.pointer, gradOutput.pointer, gradInput?.pointer,
                                         gradWeight?.pointer, gradBias?.pointer)
        check(status, "backward", geometry)
    }

    public func maxPool(_ x: TensorStorage, _ y: TensorStorage, indices: UnsafeMutablePointer<Int32>,
                        geometry g: PoolGeometry) {
        lemma_max_pool2d(x.pointer, y.pointer, indices, Int64(g.planes), Int64(g.inputSize.height),
                         Int64(g.inputSize.width), Int64(g.outputSize.height), Int64(g.outputSize.width),
                         Int64(g.kernel.height), Int64(g.kernel.width), Int64(g.stride.height), Int64(g.stride.width),
                         Int64(g.padding.height), Int64(g.padding.width))
    }

    public func adaptiveMaxPool1d(_ x: TensorStorage, _ y: TensorStorage, indices: UnsafeMutablePointer<Int32>,
                                  planes: Int, inputLength: Int, outputLength: Int) {
        lemma_adaptive_max_pool1d(x.pointer, y.pointer, indices, Int64(planes), Int64(inputLength),
                                  Int64(outputLength))
    }

    public func maxPoolBackward(gradOutput: TensorStorage, indices: UnsafePointer<Int32>, gradInput: TensorStorage,
                                planes: Int, inputPlane: Int, outputPlane: Int) {
        lemma_max_pool_backward(gradOutput.pointer, indices, gradInput.pointer, Int64(planes), Int64(inputPlane),
                                Int64(outputPlane))
    }

    public func avgPool(_ x: TensorStorage, _ y: TensorStorage, geometry g: PoolGeometry) {
        lemma_avg_pool2d(x.pointer, y.pointer, Int64(g.planes), Int64(g.inputSize.height), Int64(g.inputSize.width),
                         Int64(g.outputSize.height), Int64(g.outputSize.width), Int64(g.kernel.height),
                         Int64(g.kernel.width), Int64(g.stride.height), Int64(g.stride.width),
                         Int64(g.padding.height), Int64(g.padding.width))
    }

    public func avgPoolBackward(gradOutput: TensorStorage, gradInput: TensorStorage, geometry g: PoolGeometry) {
        lemma_avg_pool2d_backward(gradOutput.pointer, gradInput.pointer, Int64(g.planes), Int64(g.inputSize.height),
                                  Int64(g.inputSize.width), Int64(g.outputSize.height), Int64(g.outputSize.width),
                                  Int64(g.kernel.height), Int64(g.kernel.width), Int64(g.stride.height),
                                  Int64(g.stride.width), Int64(g.padding.height), Int64(g.padding.width))
    }

    /// The implementation behind each step of a convolution (forward, backward data, backward weights), e.g.
    /// oneDNN's "jit:avx512_core" or Lemma's "lemma:winograd_2x2_3x3"; for benchmarks and logs.
    public func convolutionImplementations(_ geometry: ConvolutionGeometry) -> [String] {
        var shape = geometry.kernelShape
        return (0..<3).map { step in
            var name = [CChar](repeating: 0, count: 128)
            let status = lemma_conv_implementation(&shape, Int32(step), &name, Int64(name.count))
            return status == 0 ? String(cString: name) : "unavailable (oneDNN status \(status))"
        }
    }

    /// How many convolution shapes have their oneDNN primitives cached, and how many may be (the least
    /// recently used beyond that are dropped; 256 by default).
    public var convolutionCacheCount: Int { Int(lemma_conv_cache_count()) }

    public func setConvolutionCacheCapacity(_ capacity: Int) { lemma_conv_set_cache_capacity(Int64(capacity)) }

    private func check(_ status: Int32, _ step: String, _ g: ConvolutionGeometry) {
        precondition(status == 0, "conv\(g.inputSize.count)d: oneDNN failed (status \(status)) in \(step) for input [\(g.batch), \(g.inChannels)] + \(g.inputSize), \(g.outChannels) filters of \(g.kernel), stride \(g.stride), padding \(g.padding), dilation \(g.dilation), groups \(g.groups)")
    }
}

extension ConvolutionGeometry {
    /// The C kernels' cache key, with the algorithm this task asks for.
    var kernelShape: lemma_conv_shape {
        var s = lemma_conv_shape()
        s.spatial = Int64(inputSize.count)
        s.batch = Int64(batch)
        s.in_channels = Int64(inChannels)
        s.out_channels = Int64(outChannels)
        s.groups = Int64(groups)
        s.has_bias = hasBias ? 1 : 0
        func pair(_ values: [Int]) -> (Int64, Int64) {
            (Int64(values[0]), values.count > 1 ? Int64(values[1]) : 0)
        }
        s.in_size = pair(inputSize)
        s.out_size = pair(outputSize)
        s.kernel = pair(kernel)
        s.stride = pair(stride)
        s.padding = pair(padding)
        s.dilation = pair(dilation)
        s.algorithm = ConvolutionAlgorithm.scoped.rawValue
        return s
    }
}
