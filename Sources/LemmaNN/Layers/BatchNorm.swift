import LemmaTensor

/// Batch normalization over the channels (dim 1) of [N, C, ...]: PyTorch's `nn.BatchNorm1d` / `BatchNorm2d`
/// (keys `weight`, `bias`, and the buffers `running_mean`, `running_var`, `num_batches_tracked`). The running
/// statistics are buffers: saved in checkpoints, updated only in training mode, frozen by `eval()`, never
/// seen by an optimizer or weight decay.
public final class BatchNorm: Module, UnaryLayer {
    public let channels: Int
    public let eps: Float, momentum: Float
    public let weight: Tensor?, bias: Tensor?
    public let runningMean: Buffer, runningVariance: Buffer
    /// Counted as PyTorch counts it (stored as a float; PyTorch's int64 loads into it and back).
    public let batchesTracked: Buffer

    public init(_ channels: Int, eps: Float = 1e-5, momentum: Float = 0.1, affine: Bool = true) {
        self.channels = channels
        self.eps = eps
        self.momentum = momentum
        weight = affine ? Tensor.ones([channels]) : nil
        bias = affine ? Tensor.zeros([channels]) : nil
        runningMean = Buffer(Tensor.zeros([channels]))
        runningVariance = Buffer(Tensor.ones([channels]))
        batchesTracked = Buffer(Tensor.zeros([]))
        super.init()
        weight?.requiresGrad = true
        bias?.requiresGrad = true
    }

    public override func ownBuffers() -> [(key: String, tensor: Tensor)] {
        [("running_mean", runningMean.tensor), ("running_var", runningVariance.tensor),
         ("num_batches_tracked", batchesTracked.tensor)]
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        if isTraining { batchesTracked.assign(batchesTracked.tensor + 1) }
        return input.batchNorm(runningMean: runningMean.tensor, runningVariance: runningVariance.tensor, weight: weight,
                               bias: bias, training: isTraining, momentum: momentum, eps: eps)
    }
}
