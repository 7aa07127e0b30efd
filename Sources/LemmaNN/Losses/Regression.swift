import LemmaTensor

/// Mean squared error (PyTorch's `mse_loss`).
public func mseLoss(_ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    reduction.apply((prediction - target).squared())
}

/// Binary cross-entropy from logits with PyTorch's stable formulation
/// (1 - y)·x + (1 + (w⁺ - 1)·y)·(log(1 + e^(-|x|)) + max(-x, 0)), `positiveWeight` w⁺ per class.
public func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor, weight: Tensor? = nil,
                                         positiveWeight: Tensor? = nil, reduction: Reduction = .mean) -> Tensor {
    precondition(logits.shape == targets.shape, "binary_cross_entropy_with_logits: logits \(logits.shape) and targets \(targets.shape) differ")
    let softplusOfNegative = ((-logits.abs()).exp() + 1).log() + (-logits).relu()
    let scale = positiveWeight.map { ($0 - 1) * targets + 1 } ?? Tensor.ones([])
    var loss = (1 - targets) * logits + scale * softplusOfNegative
    if let weight { loss = loss * weight }
    return reduction.apply(loss)
}
