/// Batch normalization with PyTorch's semantics (`torch.nn.functional.batch_norm`): per channel (dim 1) of
/// [N, C, ...], over every other dim.
extension Tensor {
    /// In training, normalizes with the batch's mean and biased variance and moves the running statistics
    /// (updated in place, no gradient) toward the batch's mean and unbiased variance by `momentum`; in
    /// evaluation, normalizes with the running statistics. `weight` and `bias` ([C]) scale and shift after.
    /// Composed of differentiable tensor operations, so every backend runs it and autograd derives its
    /// backward pass.
    public func batchNorm(runningMean: Tensor?, runningVariance: Tensor?, weight: Tensor? = nil, bias: Tensor? = nil,
                          training: Bool, momentum: Float = 0.1, eps: Float = 1e-5) -> Tensor {
        guard rank >= 2 else { shapeFailure("batch_norm", "input \(describe(shape)) has no channel dim (expected [N, C, ...])") }
        let channels = shape[1]
        for p in [runningMean, runningVariance, weight, bias].compactMap({ $0 }) where p.shape != [channels] {
            shapeFailure("batch_norm", "per-channel tensor \(describe(p.shape)) must have shape [\(channels)] for input \(describe(shape))")
        }
        let axes = [0] + Array(2..<rank)
        let perChannel = [1, channels] + Array(repeating: 1, count: rank - 2)
        let normalized: Tensor
        if training || runningMean == nil || runningVariance == nil {
            let n = count / Swift.max(channels, 1)
            guard n > 1 else {
                shapeFailure("batch_norm", "expected more than one value per channel in training, got input \(describe(shape))")
            }
            let mean = self.mean(axes: axes, keepDims: true)
            let centered = self - mean
            let variance = (centered * centered).mean(axes: axes, keepDims: true)
            normalized = centered * (variance + eps).pow(-0.5)
            if training, let runningMean, let runningVariance {
                withNoGrad {
                    let movedMean = runningMean * (1 - momentum) + mean.reshaped([channels]) * momentum
                    let unbiased = variance.reshaped([channels]) * (Float(n) / Float(n - 1))
                    let movedVariance = runningVariance * (1 - momentum) + unbiased * momentum
                    backend.copy(movedMean.storage, to: runningMean.storage)
                    backend.copy(movedVariance.storage, to: runningVariance.storage)
                }
            }
        } else {
            let mean = runningMean!.reshaped(perChannel), variance = runningVariance!.reshaped(perChannel)
            normalized = (self - mean) * (variance + eps).pow(-0.5)
        }
        var y = normalized
        if let weight { y = y * weight.reshaped(perChannel) }
        if let bias { y = y + bias.reshaped(perChannel) }
        return y
    }
}
