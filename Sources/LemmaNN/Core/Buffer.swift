import LemmaTensor

/// State a module keeps that is not learned: BatchNorm's running statistics. Saved and loaded with the
/// parameters (`stateDict()` holds both, as PyTorch's does), but never handed to an optimizer, never given a
/// gradient, and untouched by `freeze()`. The module updates `tensor` in place (`assign(_:)`), so a
/// checkpoint loaded into it, or a reference held elsewhere, sees the new values.
public struct Buffer {
    public let tensor: Tensor

    public init(_ tensor: Tensor) {
        precondition(!tensor.requiresGrad, "Buffer: a buffer does not take gradients")
        self.tensor = tensor
    }

    /// Overwrites the values (same shape) without recording anything for autograd.
    public func assign(_ value: Tensor) {
        precondition(value.shape == tensor.shape, "Buffer: assigning \(value.shape) to a buffer of shape \(tensor.shape)")
        withNoGrad { tensor.backend.copy(value.storage, to: tensor.storage) }
    }
}
