/// Convolutions with PyTorch's semantics (`torch.nn.functional.conv1d` / `conv2d`, which are
/// cross-correlations): input [batch, in, (height,) width], weight [out, in / groups, (kh,) kw], bias [out];
/// an unbatched input drops the batch dim. The gradient rule asks the backend, in one call, for just the
/// gradients its inputs need (oneDNN's backward-data and backward-weights primitives on the CPU).
extension Tensor {
    /// 1-D convolution: [N, C, L] (or [C, L]) with weight [O, C / groups, K] → [N, O, L'], where
    /// L' = (L + 2 padding - dilation (K - 1) - 1) / stride + 1.
    public func conv1d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                       groups: Int = 1) -> Tensor {
        convolution(weight: weight, bias: bias, stride: [stride], padding: [padding], dilation: [dilation],
                    groups: groups, op: "conv1d")
    }

    /// 2-D convolution: [N, C, H, W] (or [C, H, W]) with weight [O, C / groups, KH, KW] → [N, O, H', W'], each
    /// output size as in `conv1d`. `stride`, `padding` and `dilation` take `2` or `[2, 1]` (height, width).
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: Size2D = 1, padding: Size2D = 0,
                       dilation: Size2D = 1, groups: Int = 1) -> Tensor {
        convolution(weight: weight, bias: bias, stride: stride.pair, padding: padding.pair, dilation: dilation.pair,
                    groups: groups, op: "conv2d")
    }

    private func convolution(weight: Tensor, bias: Tensor?, stride: [Int], padding: [Int], dilation: [Int],
                             groups: Int, op: StaticString) -> Tensor {
        let spatial = stride.count
        if rank == spatial + 1 {  // unbatched
            return unsqueezed(0).convolution(weight: weight, bias: bias, stride: stride, padding: padding,
                                             dilation: dilation, groups: groups, op: op).squeezed(0)
        }
        let x = self
        let geometry = convolutionGeometry(weight: weight, bias: bias, stride: stride, padding: padding,
                                           dilation: dilation, groups: groups, op: op)
        let y = x.makeOutput([geometry.batch, geometry.outChannels] + geometry.outputSize)
        x.backend.convolution(x.storage, weight: weight.storage, bias: bias?.storage, y.storage, geometry: geometry)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        // The backward pass runs by the algorithm the forward pass ran by, wherever `backward()` is called.
        let algorithm = ConvolutionAlgorithm.scoped
        guard GradMode.isEnabled, inputs.contains(where: \.requiresGrad) else { return y }
        return y.recorded(op, inputs) { g in
            let wantsBias = bias?.requiresGrad ?? false
            let gx = x.requiresGrad ? x.makeOutput(x.shape) : nil
            let gw = weight.requiresGrad ? weight.makeOutput(weight.shape) : nil
            let gb = wantsBias ? bias!.makeOutput(bias!.shape) : nil
            var backward = geometry
            backward.hasBias = wantsBias
            ConvolutionAlgorithm.using(algorithm) {
                g.backend.convolutionBackward(x.storage, weight: weight.storage, gradOutput: g.storage,
                                              gradInput: gx?.storage, gradWeight: gw?.storage, gradBias: gb?.storage,
                                              geometry: backward)
            }
            return [gx, gw, gb]
        }
    }

    /// Checks the shapes as PyTorch does and works out the output size.
    private func convolutionGeometry(weight: Tensor, bias: Tensor?, stride: [Int], padding: [Int], dilation: [Int],
                                     groups: Int, op: StaticString) -> ConvolutionGeometry {
        let spatial = stride.count
        let layout = spatial == 1 ? "[batch, channels, length]" : "[batch, channels, height, width]"
        guard rank == spatial + 2 else {
            shapeFailure(op, "input \(describe(shape)) is not \(layout) (or unbatched without the first dim)")
        }
        guard weight.rank == spatial + 2 else {
            shapeFailure(op, "weight \(describe(weight.shape)) is not [out, in / groups\(spatial == 1 ? ", k" : ", kh, kw")]")
        }
        guard stride.allSatisfy({ $0 >= 1 }), dilation.allSatisfy({ $0 >= 1 }), padding.allSatisfy({ $0 >= 0 }) else {
            shapeFailure(op, "stride \(stride) and dilation \(dilation) must be >= 1 and padding \(padding) >= 0")
        }
        let inChannels = shape[1], outChannels = weight.shape[0]
        guard groups >= 1, inChannels % groups == 0, outChannels % groups == 0 else {
            shapeFailure(op, "groups \(groups) must divide the \(inChannels) input and \(outChannels) output channels (input \(describe(shape)), weight \(describe(weight.shape)))")
        }
        guard weight.shape[1] * groups == inChannels else {
            shapeFailure(op, "weight \(describe(weight.shape)) expects \(weight.shape[1] * groups) input channels, input \(describe(shape)) has \(inChannels)")
        }
        if let bias, bias.shape != [outChannels] {
            shapeFailure(op, "bias \(describe(bias.shape)) does not match weight \(describe(weight.shape))")
        }
        let inputSize = Array(shape[2...]), kernel = Array(weight.shape[2...])
        var outputSize: [Int] = []
        for i in 0..<spatial {
            let reach = dilation[i] * (kernel[i] - 1) + 1
            let padded = inputSize[i] + 2 * padding[i]
            outputSize.append(padded >= reach ? (padded - reach) / stride[i] + 1 : 0)
        }
        guard shape[0] > 0, inputSize.allSatisfy({ $0 > 0 }), kernel.allSatisfy({ $0 > 0 }), outputSize.allSatisfy({ $0 > 0 }) else {
            shapeFailure(op, "input \(describe(shape)) is too small for weight \(describe(weight.shape)) with padding \(padding), dilation \(dilation), stride \(stride) (output size \(outputSize))")
        }
        return ConvolutionGeometry(batch: shape[0], inChannels: inChannels, outChannels: outChannels, groups: groups,
                                   inputSize: inputSize, outputSize: outputSize, kernel: kernel, stride: stride,
                                   padding: padding, dilation: dilation, hasBias: bias != nil)
    }
}
