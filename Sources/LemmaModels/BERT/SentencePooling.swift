import LemmaTensor

/// How a sentence embedding is made from token states, as sentence-transformers' Pooling module does it
/// (1_Pooling/config.json): the mask-weighted mean, the first ([CLS]) token, or the per-dimension maximum
/// over real tokens.
public enum SentencePooling: String, Sendable, Equatable {
    case mean, cls, max

    /// hidden [B, T, H], attentionMask [B, T] (1 = token) → [B, H]. Differentiable.
    public func callAsFunction(_ hidden: Tensor, attentionMask: Tensor) -> Tensor {
        let batch = hidden.shape[0], length = hidden.shape[1], size = hidden.shape[2]
        precondition(attentionMask.shape == [batch, length], "SentencePooling: mask \(attentionMask.shape) must be [\(batch), \(length)]")
        let mask = attentionMask.reshaped([batch, length, 1])
        switch self {
        case .mean:
            // sum(h·m) / max(sum(m), 1e-9), as sentence-transformers clamps the count.
            let counts = withNoGrad { mask.sum(axis: 1).maximum(Tensor(scalar: 1e-9)) }
            return (hidden * mask).sum(axis: 1) / counts
        case .cls:
            return hidden.slice(axis: 1, 0..<1).reshaped([batch, size])
        case .max:
            // Padding gets -1e9, so it never wins unless a row is all padding (as in sentence-transformers).
            return hidden.maskedFill(withNoGrad { mask .== 0 }, -1e9).max(axis: 1).values
        }
    }
}

extension Tensor {
    /// Each row [..., H] divided by its L2 norm (at least 1e-12), as torch.nn.functional.normalize.
    public func l2Normalized(axis: Int = -1) -> Tensor {
        self / squared().sum(axis: axis, keepDims: true).sqrt().maximum(Tensor(scalar: 1e-12))
    }
}
