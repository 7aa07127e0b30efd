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

/// Causal self-attention's output (no weights) for q, k, v [..., T, d] with the queries aligned to the last keys.
/// Long sequences go in blocks of `block` queries, each attending only to the keys up to its last position, so
/// the masked upper triangle is neither computed nor stored: at GPT-2's 1,024 positions in four blocks, 5/8 of
/// the scores of the whole square.
public func causalAttention(query: Tensor, key: Tensor, value: Tensor, dropout: Dropout? = nil, scale: Float? = nil,
                            block: Int = 256) -> Tensor {
    let t = query.shape[query.rank - 2], s = key.shape[key.rank - 2]
    guard t > block else {
        return scaledDotProductAttention(query: query, key: key, value: value, causal: true, dropout: dropout, scale: scale).output
    }
    let offset = s - t
    var outputs: [Tensor] = []
    for start in stride(from: 0, to: t, by: block) {
        let end = min(start + block, t)
        let visible = offset + end
        let q = query.slice(axis: query.rank - 2, start..<end)
        let k = key.slice(axis: key.rank - 2, 0..<visible), v = value.slice(axis: value.rank - 2, 0..<visible)
        outputs.append(scaledDotProductAttention(query: q, key: k, value: v, causal: true, dropout: dropout, scale: scale).output)
    }
    return Tensor.concat(outputs, axis: query.rank - 2)
}
