import LemmaTensor

/// Bahdanau (additive) attention for RNN decoders: score(q, k) = vᵀ tanh(W_q q + W_k k).
/// Keys: `query_proj.weight`, `key_proj.weight`, `v.weight`.
public final class AdditiveAttention: Module {
    public let queryProj: Linear, keyProj: Linear, v: Linear

    public init(queryDim: Int, keyDim: Int, attentionDim: Int, generator: RandomGenerator? = nil) {
        queryProj = Linear(queryDim, attentionDim, bias: false, generator: generator)
        keyProj = Linear(keyDim, attentionDim, bias: false, generator: generator)
        v = Linear(attentionDim, 1, bias: false, generator: generator)
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] {
        [("query_proj", queryProj), ("key_proj", keyProj), ("v", v)]
    }

    /// query [B, Dq], keys [B, S, Dk], values [B, S, Dv], padding [B, S] (1 = ignore).
    /// Returns the context [B, Dv] and the weights [B, S].
    public func callAsFunction(query: Tensor, keys: Tensor, values: Tensor, padding: Tensor? = nil)
        -> (context: Tensor, weights: Tensor) {
        let batch = keys.shape[0], length = keys.shape[1]
        let energy = (keyProj(keys) + queryProj(query).unsqueezed(1)).tanh()
        var scores = v(energy).reshaped([batch, length])
        if let padding { scores = scores.maskedFill(padding, -.infinity) }
        let weights = scores.softmax(axis: -1)
        return (weights.unsqueezed(1).matmul(values).reshaped([batch, values.shape[2]]), weights)
    }
}

/// Luong (multiplicative) attention: score(q, k) = q · k ("dot") or q · W k ("general", key `proj.weight`).
public final class DotAttention: Module {
    public let proj: Linear?

    /// `general` learns W [queryDim, keyDim]; otherwise queries and keys must have the same size.
    public init(queryDim: Int, keyDim: Int, general: Bool, generator: RandomGenerator? = nil) {
        precondition(general || queryDim == keyDim, "DotAttention: dot scores need equal query and key sizes")
        proj = general ? Linear(keyDim, queryDim, bias: false, generator: generator) : nil
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] { proj.map { [("proj", $0)] } ?? [] }

    /// Same shapes as `AdditiveAttention`.
    public func callAsFunction(query: Tensor, keys: Tensor, values: Tensor, padding: Tensor? = nil)
        -> (context: Tensor, weights: Tensor) {
        let batch = keys.shape[0], length = keys.shape[1]
        let projected = proj.map { $0(keys) } ?? keys
        var scores = projected.matmul(query.unsqueezed(2)).reshaped([batch, length])
        if let padding { scores = scores.maskedFill(padding, -.infinity) }
        let weights = scores.softmax(axis: -1)
        return (weights.unsqueezed(1).matmul(values).reshaped([batch, values.shape[2]]), weights)
    }
}
