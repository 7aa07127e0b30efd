import LemmaTensor

/// Multi-head attention with PyTorch's `nn.MultiheadAttention` parameters (`in_proj_weight` [3E, E],
/// `in_proj_bias`, `out_proj`), batch-first: query [B, T, E], key and value [B, S, E].
public final class MultiheadAttention: Module {
    public let embedDim: Int, numHeads: Int
    public let inProjWeight: Tensor
    public let inProjBias: Tensor?
    public let outProj: Linear
    let attentionDropout: Dropout?

    public init(embedDim: Int, numHeads: Int, dropout: Float = 0, bias: Bool = true, generator: RandomGenerator? = nil) {
        precondition(embedDim % numHeads == 0, "MultiheadAttention: embedDim \(embedDim) is not divisible by numHeads \(numHeads)")
        self.embedDim = embedDim
        self.numHeads = numHeads
        // Xavier-uniform in-projection and zero biases, as PyTorch initializes them.
        let bound = (6 / Float(embedDim + 3 * embedDim)).squareRoot()
        inProjWeight = .uniformParameter([3 * embedDim, embedDim], bound: bound, generator: generator)
        inProjBias = bias ? Tensor.zeros([3 * embedDim]) : nil
        inProjBias?.requiresGrad = true
        outProj = Linear(embedDim, embedDim, bias: bias, generator: generator)
        outProj.bias.map { b in b.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        attentionDropout = dropout > 0 ? Dropout(dropout) : nil
        super.init()
    }

    public override func ownParameters() -> [(key: String, tensor: Tensor)] {
        [("in_proj_weight", inProjWeight)] + (inProjBias.map { [("in_proj_bias", $0)] } ?? [])
    }

    public override func children() -> [(key: String, module: Module)] { [("out_proj", outProj)] }

    /// `keyPadding` [B, S]: 1 marks padding keys. `blocked` [T, S]: 1 marks pairs that may not attend.
    /// Returns the output [B, T, E] and the attention weights averaged over heads [B, T, S].
    public func callAsFunction(query: Tensor, key: Tensor, value: Tensor, keyPadding: Tensor? = nil,
                               blocked: Tensor? = nil, causal: Bool = false) -> (output: Tensor, weights: Tensor) {
        let q: Tensor, k: Tensor, v: Tensor
        if query === key && key === value {
            let e = embedDim, length = query.shape[1]
            let qkv = query.linear(weight: inProjWeight, bias: inProjBias)
            (q, k, v) = (heads(qkv.slice(axis: 2, 0..<e), length), heads(qkv.slice(axis: 2, e..<(2 * e)), length),
                         heads(qkv.slice(axis: 2, (2 * e)..<(3 * e)), length))
        } else {
            (q, k, v) = (project(query, .query), project(key, .key), project(value, .value))
        }
        return attend(queries: q, keys: k, values: v, keyPadding: keyPadding, blocked: blocked, causal: causal)
    }

    /// Which third of the in-projection.
    public enum Projection: Int { case query = 0, key = 1, value = 2 }

    /// `x` [B, L, E] projected by one third of the in-projection and split into heads: [B, heads, L, E / heads].
    /// What a key/value cache stores, so that a decoder stepping one token at a time projects each token once.
    public func project(_ x: Tensor, _ part: Projection) -> Tensor {
        let range = (part.rawValue * embedDim)..<((part.rawValue + 1) * embedDim)
        return heads(x.linear(weight: inProjWeight.slice(axis: 0, range), bias: inProjBias?.slice(axis: 0, range)), x.shape[1])
    }

    func heads(_ x: Tensor, _ length: Int) -> Tensor {
        x.reshaped([x.shape[0], length, numHeads, embedDim / numHeads]).permuted([0, 2, 1, 3])
    }

    /// Attention over projected heads (q [B, h, T, d], k and v [B, h, S, d]), merged and put through the
    /// output projection: [B, T, E], with the weights averaged over heads [B, T, S]. `causal` aligns the
    /// queries with the last keys, as with a cache.
    public func attend(queries q: Tensor, keys k: Tensor, values v: Tensor, keyPadding: Tensor? = nil,
                       blocked: Tensor? = nil, causal: Bool = false) -> (output: Tensor, weights: Tensor) {
        let batch = q.shape[0], t = q.shape[2], s = k.shape[2]
        var mask = blocked
        if let keyPadding {
            let padding = keyPadding.reshaped([batch, 1, 1, s])
            mask = mask.map { ($0 + padding).minimum(Tensor(scalar: 1)) } ?? padding
        }
        let (attended, weights) = scaledDotProductAttention(query: q, key: k, value: v, blocked: mask, causal: causal,
                                                            dropout: isTraining ? attentionDropout : nil)
        let merged = attended.permuted([0, 2, 1, 3]).reshaped([batch, t, embedDim])
        return (outProj(merged), weights.mean(axis: 1))
    }
}
