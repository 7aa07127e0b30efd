/// Layer normalization over the trailing dims (PyTorch's `F.layer_norm`), fused into one kernel each way.
extension Tensor {
    /// Normalizes over the last `normalizedShape.count` dims, which must equal `normalizedShape`; `weight` and
    /// `bias` (optional) have that shape.
    public func layerNorm(normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
        guard rank >= normalizedShape.count, Array(shape.suffix(normalizedShape.count)) == normalizedShape else {
            shapeFailure("layer_norm", "input \(describe(shape)) does not end in normalized shape \(describe(normalizedShape))")
        }
        for p in [weight, bias].compactMap({ $0 }) where p.shape != normalizedShape {
            shapeFailure("layer_norm", "affine parameter \(describe(p.shape)) must have shape \(describe(normalizedShape))")
        }
        let n = elementCount(normalizedShape), rows = count / Swift.max(n, 1)
        let y = makeOutput(shape)
        let mean = backend.allocate(rows), rstd = backend.allocate(rows)
        backend.layerNorm(storage, weight: weight?.storage, bias: bias?.storage, y.storage, mean: mean, rstd: rstd,
                          rows: rows, n: n, eps: eps)
        let inputs = [self] + [weight, bias].compactMap { $0 }
        guard GradMode.isEnabled, inputs.contains(where: \.requiresGrad) else { return y }
        let x = self
        return y.recorded("layer_norm", inputs) { g in
            let gx = x.makeOutput(x.shape)
            let gw = weight.map { Tensor.zeros($0.shape) }, gb = bias.map { Tensor.zeros($0.shape) }
            x.backend.layerNormBackward(x.storage, weight: weight?.storage, mean: mean, rstd: rstd, gradOutput: g.storage,
                                        gradInput: gx.storage, gradWeight: gw?.storage, gradBias: gb?.storage,
                                        rows: rows, n: n)
            return [gx] + [gw, gb].compactMap { $0 }.map { Optional($0) }
        }
    }
}
