/// Pooling with PyTorch's semantics (`torch.nn.functional.max_pool1d/2d`, `avg_pool1d/2d`,
/// `adaptive_max_pool1d`; floor mode): over the last one or two dims of [batch, channels, …] (or an
/// unbatched [channels, …]), each plane on its own. Max pools send the gradient to the position of each
/// window's max; average pools spread it evenly over the window.
extension Tensor {
    /// Max over windows of `kernelSize` along the last dim, every `stride` (default: the kernel size) steps,
    /// with `padding` cells of -∞ at both ends (at most half the kernel).
    public func maxPool1d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        maxPool(poolGeometry(kernel: Size2D(1, kernelSize), stride: Size2D(1, stride ?? kernelSize),
                             padding: Size2D(0, padding), spatial: 1, op: "max_pool1d"), spatial: 1, op: "max_pool1d")
    }

    /// Max over kernelSize.height × kernelSize.width windows of the last two dims; sizes take `2` or `[2, 1]`.
    public func maxPool2d(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) -> Tensor {
        maxPool(poolGeometry(kernel: kernelSize, stride: stride ?? kernelSize, padding: padding, spatial: 2,
                             op: "max_pool2d"), spatial: 2, op: "max_pool2d")
    }

    /// Mean over windows along the last dim; padded cells count as zeros (PyTorch's count_include_pad=True).
    public func avgPool1d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        avgPool(poolGeometry(kernel: Size2D(1, kernelSize), stride: Size2D(1, stride ?? kernelSize),
                             padding: Size2D(0, padding), spatial: 1, op: "avg_pool1d"), spatial: 1, op: "avg_pool1d")
    }

    /// Mean over windows of the last two dims, padded cells counted as zeros.
    public func avgPool2d(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) -> Tensor {
        avgPool(poolGeometry(kernel: kernelSize, stride: stride ?? kernelSize, padding: padding, spatial: 2,
                             op: "avg_pool2d"), spatial: 2, op: "avg_pool2d")
    }

    /// Max over `outputSize` windows that tile the last dim as evenly as possible: output i covers
    /// [⌊i L / n⌋, ⌈(i + 1) L / n⌉). `outputSize: 1` is the global max pool over time of text CNNs.
    public func adaptiveMaxPool1d(outputSize: Int) -> Tensor {
        guard rank == 2 || rank == 3 else {
            shapeFailure("adaptive_max_pool1d", "input \(describe(shape)) is not [batch, channels, length] or [channels, length]")
        }
        let length = shape[rank - 1]
        guard length > 0, outputSize > 0 else {
            shapeFailure("adaptive_max_pool1d", "output size \(outputSize) from input \(describe(shape)): both lengths must be positive")
        }
        let planes = count / length
        let y = makeOutput(Array(shape.dropLast()) + [outputSize])
        var positions = [Int32](repeating: 0, count: y.count)
        positions.withUnsafeMutableBufferPointer {
            backend.adaptiveMaxPool1d(storage, y.storage, indices: $0.baseAddress!, planes: planes, inputLength: length,
                                      outputLength: outputSize)
        }
        return recordingMaxPool(y, positions, planes: planes, inputPlane: length, op: "adaptive_max_pool1d")
    }

    private func maxPool(_ geometry: PoolGeometry, spatial: Int, op: StaticString) -> Tensor {
        let y = makeOutput(pooledShape(geometry, spatial: spatial))
        var positions = [Int32](repeating: 0, count: y.count)
        positions.withUnsafeMutableBufferPointer {
            backend.maxPool(storage, y.storage, indices: $0.baseAddress!, geometry: geometry)
        }
        return recordingMaxPool(y, positions, planes: geometry.planes,
                                inputPlane: geometry.inputSize.height * geometry.inputSize.width, op: op)
    }

    private func recordingMaxPool(_ y: Tensor, _ positions: [Int32], planes: Int, inputPlane: Int,
                                  op: StaticString) -> Tensor {
        guard isRecorded else { return y }
        let x = self, outputPlane = y.count / Swift.max(planes, 1)
        return y.recorded(op, [x]) { g in
            let gx = x.makeOutput(x.shape)
            positions.withUnsafeBufferPointer {
                g.backend.maxPoolBackward(gradOutput: g.storage, indices: $0.baseAddress!, gradInput: gx.storage,
                                          planes: planes, inputPlane: inputPlane, outputPlane: outputPlane)
            }
            return [gx]
        }
    }

    private func avgPool(_ geometry: PoolGeometry, spatial: Int, op: StaticString) -> Tensor {
        let y = makeOutput(pooledShape(geometry, spatial: spatial))
        backend.avgPool(storage, y.storage, geometry: geometry)
        guard isRecorded else { return y }
        let x = self
        return y.recorded(op, [x]) { g in
            let gx = x.makeOutput(x.shape)
            g.backend.avgPoolBackward(gradOutput: g.storage, gradInput: gx.storage, geometry: geometry)
            return [gx]
        }
    }

    private func pooledShape(_ geometry: PoolGeometry, spatial: Int) -> [Int] {
        let out = spatial == 1 ? [geometry.outputSize.width] : geometry.outputSize.pair
        return Array(shape.dropLast(spatial)) + out
    }

    /// Checks the sizes as PyTorch does; `spatial` is 1 (the last dim) or 2 (the last two).
    private func poolGeometry(kernel: Size2D, stride: Size2D, padding: Size2D, spatial: Int,
                              op: StaticString) -> PoolGeometry {
        guard rank == spatial + 1 || rank == spatial + 2 else {
            let layout = spatial == 1 ? "[batch, channels, length] or [channels, length]"
                                      : "[batch, channels, height, width] or [channels, height, width]"
            shapeFailure(op, "input \(describe(shape)) is not \(layout)")
        }
        let inputSize = spatial == 1 ? Size2D(1, shape[rank - 1]) : Size2D(shape[rank - 2], shape[rank - 1])
        let shown = spatial == 1 ? { (s: Size2D) in "\(s.width)" } : { (s: Size2D) in s.description }
        guard kernel.height > 0, kernel.width > 0, stride.height > 0, stride.width > 0 else {
            shapeFailure(op, "kernel size \(shown(kernel)) and stride \(shown(stride)) must be positive")
        }
        guard inputSize.height > 0, inputSize.width > 0 else { shapeFailure(op, "input \(describe(shape)) is empty") }
        guard padding.height >= 0, padding.width >= 0, 2 * padding.height <= kernel.height,
              2 * padding.width <= kernel.width else {
            shapeFailure(op, "padding \(shown(padding)) must be between 0 and half the kernel size \(shown(kernel))")
        }
        let outputSize = Size2D((inputSize.height + 2 * padding.height - kernel.height) / stride.height + 1,
                                (inputSize.width + 2 * padding.width - kernel.width) / stride.width + 1)
        guard inputSize.height + 2 * padding.height >= kernel.height,
              inputSize.width + 2 * padding.width >= kernel.width, outputSize.height > 0, outputSize.width > 0 else {
            shapeFailure(op, "input \(describe(shape)) is too small for kernel size \(shown(kernel)) with padding \(shown(padding))")
        }
        return PoolGeometry(planes: count / (inputSize.height * inputSize.width), inputSize: inputSize,
                            outputSize: outputSize, kernel: kernel, stride: stride, padding: padding)
    }
}
