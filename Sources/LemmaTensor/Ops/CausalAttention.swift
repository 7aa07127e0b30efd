/// Causal multi-head self-attention straight from a packed projection, fused into one kernel each way.
extension Tensor {
    /// `qkv` [B, T, 3E] holds each position's queries, keys and values side by side (GPT-2's `c_attn` output),
    /// each E = heads · d wide and split into heads in order. Returns [B, T, E]: per head, softmax(scale · q kᵀ)
    /// over the keys up to each query's own position, times v, with the heads merged back. `keep` [B, H, T, T]
    /// (0, or 1/(1 − p) for kept weights: dropout's mask) multiplies the attention weights before the values.
    /// The same numbers as splitting the heads and calling `scaledDotProductAttention(causal: true)`, without
    /// materializing the masked scores or the per-head copies.
    public static func causalSelfAttention(packed qkv: Tensor, heads: Int, scale: Float? = nil,
                                           keep: Tensor? = nil) -> Tensor {
        guard qkv.rank == 3, heads > 0, qkv.shape[2] % (3 * heads) == 0 else {
            shapeFailure("causal_self_attention", "packed projection \(describe(qkv.shape)) must be [B, T, 3 · heads · d] for \(heads) heads")
        }
        let batch = qkv.shape[0], length = qkv.shape[1], width = qkv.shape[2] / 3, headWidth = width / heads
        let probabilitiesShape = [batch, heads, length, length]
        if let keep, keep.shape != probabilitiesShape {
            shapeFailure("causal_self_attention", "dropout mask \(describe(keep.shape)) must be \(describe(probabilitiesShape))")
        }
        let scale = scale ?? 1 / Float(headWidth).squareRoot()
        let y = qkv.makeOutput([batch, length, width])
        let probabilities = qkv.backend.allocate(elementCount(probabilitiesShape))
        qkv.backend.causalAttention(qkv: qkv.storage, keep: keep?.storage, output: y.storage,
                                    probabilities: probabilities, batch: batch, length: length, heads: heads,
                                    headWidth: headWidth, scale: scale)
        guard qkv.isRecorded else { return y }
        return y.recorded("causal_self_attention", [qkv]) { g in
            let gqkv = qkv.makeOutput(qkv.shape)
            qkv.backend.causalAttentionBackward(qkv: qkv.storage, keep: keep?.storage, probabilities: probabilities,
                                                gradOutput: g.storage, gradQKV: gqkv.storage, batch: batch,
                                                length: length, heads: heads, headWidth: headWidth, scale: scale)
            return [gqkv]
        }
    }
}
