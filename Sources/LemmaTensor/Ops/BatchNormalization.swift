/// Batch normalization with PyTorch's semantics (`torch.nn.functional.batch_norm`): per channel (dim 1) of
/// [N, C, ...], over every other dim.
extension Tensor {
    /// In training, normalizes with the batch's mean and biased variance and moves the running statistics
    /// (updated in place, no gradient) toward the batch's mean and unbiased variance by `momentum`; in
    /// evaluation, normalizes with the running statistics. `weight` and `bias` ([C]) scale and shift after.
    /// Training runs the backend's fused kernel each way (two passes over the input forward, two backward,
    /// instead of a dozen elementwise ops and their gradients); evaluation is composed of tensor operations.
    public func batchNorm(runningMean: Tensor?, runningVariance: Tensor?, weight: Tensor? = nil, bias: Tensor? = nil,
                          training: Bool, momentum: Float = 0.1, eps: Float = 1e-5) -> Tensor {
        guard rank >= 2 else { shapeFailure("batch_norm", "input \(describe(shape)) has no channel dim (expected [N, C, ...])") }
        let channels = shape[1]
        for p in [runningMean, runningVariance, weight, bias].compactMap({ $0 }) where p.shape != [channels] {
            shapeFailure("batch_norm", "per-channel tensor \(describe(p.shape)) must have shape [\(channels)] for input \(describe(shape))")
        }
        let perChannel = [1, channels] + Array(repeating: 1, count: rank - 2)
        guard training || runningMean == nil || runningVariance == nil else {
            let mean = runningMean!.reshaped(perChannel), variance = runningVariance!.reshaped(perChannel)
            var y = (self - mean) * (variance + eps).pow(-0.5)
            if let weight { y = y * weight.reshaped(perChannel) }
            if let bias { y = y + bias.reshaped(perChannel) }
            return y
        }
        let outer = shape[0], inner = count / Swift.max(outer * channels, 1), n = outer * inner
        guard n > 1 else {
            shapeFailure("batch_norm", "expected more than one value per channel in training, got input \(describe(shape))")
        }
        let y = makeOutput(shape)
        let mean = backend.allocate(channels), variance = backend.allocate(channels)
        backend.batchNorm(storage, weight: weight?.storage, bias: bias?.storage, y.storage, mean: mean, variance: variance,
                          outer: outer, channels: channels, inner: inner, eps: eps)
        if training, let runningMean, let runningVariance {
            withNoGrad {
                let batchMean = Tensor(shape: [channels], storage: mean), batchVariance = Tensor(shape: [channels], storage: variance)
                let movedMean = runningMean * (1 - momentum) + batchMean * momentum
                let movedVariance = runningVariance * (1 - momentum) + batchVariance * (Float(n) / Float(n - 1) * momentum)
                backend.copy(movedMean.storage, to: runningMean.storage)
                backend.copy(movedVariance.storage, to: runningVariance.storage)
            }
        }
        let inputs = [self] + [weight, bias].compactMap { $0 }
        guard GradMode.isEnabled, inputs.contains(where: \.requiresGrad) else { return y }
        let x = self
        return y.recorded("batch_norm", inputs) { g in
            let gx = x.requiresGrad ? x.makeOutput(x.shape) : nil
            let gw = weight.flatMap { $0.requiresGrad ? $0.makeOutput([channels]) : nil }
            let gb = bias.flatMap { $0.requiresGrad ? $0.makeOutput([channels]) : nil }
            x.backend.batchNormBackward(x.storage, weight: weight?.storage, mean: mean, variance: variance, gradOutput: g.storage,
                                        gradInput: gx?.storage, gradWeight: gw?.storage, gradBias: gb?.storage,
                                        outer: outer, channels: channels, inner: inner, eps: eps)
            return [gx] + (weight == nil ? [] : [gw]) + (bias == nil ? [] : [gb])
        }
    }
}
