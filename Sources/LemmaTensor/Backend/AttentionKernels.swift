/// Fused attention primitives a backend provides (part of `Backend`).
public protocol AttentionKernels {
    /// Causal self-attention of every head over a packed projection `qkv` [B, T, 3E] (queries, keys, values;
    /// E = heads · headWidth) into `output` [B, T, E] with the heads merged; the softmax of `scale` · q kᵀ over
    /// keys 0…t goes into `probabilities` [B, H, T, T] (above the diagonal unspecified) for the backward pass.
    /// `keep` [B, H, T, T], when given, multiplies the probabilities in the product with the values (dropout).
    func causalAttention(qkv: TensorStorage, keep: TensorStorage?, output: TensorStorage,
                         probabilities: TensorStorage, batch: Int, length: Int, heads: Int, headWidth: Int,
                         scale: Float)
    /// Writes the whole of `gradQKV` [B, T, 3E] from `gradOutput` [B, T, E].
    func causalAttentionBackward(qkv: TensorStorage, keep: TensorStorage?, probabilities: TensorStorage,
                                 gradOutput: TensorStorage, gradQKV: TensorStorage, batch: Int, length: Int,
                                 heads: Int, headWidth: Int, scale: Float)
}
