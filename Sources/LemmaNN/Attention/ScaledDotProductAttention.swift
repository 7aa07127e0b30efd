import LemmaTensor

/// softmax(s · q kᵀ + mask) v over the last two dims: q [..., T, d], k [..., S, d], v [..., S, dv], with
/// s = `scale` (default 1/√d). `blocked` (broadcastable to [..., T, S], 1 = may not attend) and `causal`
/// (position t sees s ≤ t) mask scores with -∞, as PyTorch does. Returns the output and the attention weights.
public func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, blocked: Tensor? = nil,
                                      causal: Bool = false, dropout: Dropout? = nil,
                                      scale: Float? = nil) -> (output: Tensor, weights: Tensor) {
    let scale = scale ?? 1 / Float(query.shape.last!).squareRoot()
    // Scaling q (T×d) is cheaper than scaling the scores (T×S); masks are added as 0 / -∞ biases, which
    // broadcast without materializing a full-size mask.
    var scores = (scale == 1 ? query : query * scale).matmul(key.transposed(-2, -1))
    if causal {
        let t = query.shape[query.rank - 2], s = key.shape[key.rank - 2]
        scores = scores + maskBias(causalMask(queries: t, keys: s))
    }
    if let blocked { scores = scores + maskBias(blocked) }
    var weights = scores.softmax(axis: -1)
    let returned = weights
    if let dropout { weights = dropout(weights) }
    return (weights.matmul(value), returned)
}

/// 0 where `mask` is 0, -∞ where it is 1.
func maskBias(_ mask: Tensor) -> Tensor {
    withNoGrad { Tensor.select(mask, Tensor(scalar: -.infinity), Tensor(scalar: 0)) }
}

/// [T, S] with 1 where key s comes after query t (aligned at the end when S > T, as with a cache).
public func causalMask(queries: Int, keys: Int) -> Tensor {
    let offset = keys - queries
    var values = [Float](repeating: 0, count: queries * keys)
    for t in 0..<queries { for s in 0..<keys where s > t + offset { values[t * keys + s] = 1 } }
    return Tensor(values, shape: [queries, keys])
}
