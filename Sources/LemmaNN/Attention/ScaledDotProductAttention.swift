import LemmaTensor

/// softmax(q kᵀ / √d + mask) v over the last two dims: q [..., T, d], k [..., S, d], v [..., S, dv].
/// `blocked` (broadcastable to [..., T, S], 1 = may not attend) and `causal` (position t sees s ≤ t) mask
/// scores with -∞, as PyTorch does. Returns the output and the attention weights.
public func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, blocked: Tensor? = nil,
                                      causal: Bool = false, dropout: Dropout? = nil) -> (output: Tensor, weights: Tensor) {
    let d = Float(query.shape.last!)
    var scores = query.matmul(key.transposed(-2, -1)) * (1 / d.squareRoot())
    if causal {
        let t = query.shape[query.rank - 2], s = key.shape[key.rank - 2]
        scores = scores.maskedFill(causalMask(queries: t, keys: s), -.infinity)
    }
    if let blocked { scores = scores.maskedFill(blocked, -.infinity) }
    var weights = scores.softmax(axis: -1)
    let returned = weights
    if let dropout { weights = dropout(weights) }
    return (weights.matmul(value), returned)
}

/// [T, S] with 1 where key s comes after query t (aligned at the end when S > T, as with a cache).
public func causalMask(queries: Int, keys: Int) -> Tensor {
    let offset = keys - queries
    var values = [Float](repeating: 0, count: queries * keys)
    for t in 0..<queries { for s in 0..<keys where s > t + offset { values[t * keys + s] = 1 } }
    return Tensor(values, shape: [queries, keys])
}
