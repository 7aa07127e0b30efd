import LemmaNN
import LemmaTensor

/// GPT-2's causal self-attention, with Hugging Face's keys: `c_attn` projects to queries, keys and values at
/// once ([E, 3E], stored [in, out]), `c_proj` merges the heads back; dropout on the attention weights and on
/// the output. With a key/value cache it runs new positions only, attending over everything cached.
public final class GPT2Attention: Module {
    public let combined: InOutLinear, projection: InOutLinear
    public let headCount: Int
    public let scaleWeights: Bool
    let attentionDropout: Dropout, residualDropout: Dropout

    init(_ c: GPT2Configuration, generator: RandomGenerator?) {
        combined = InOutLinear(c.width, 3 * c.width, std: c.initializerRange, generator: generator)
        // GPT-2 scales the weights of projections that write into the residual stream by 1/√(2 · layers).
        projection = InOutLinear(c.width, c.width, std: c.initializerRange / (2 * Float(c.layerCount)).squareRoot(),
                                 generator: generator)
        headCount = c.headCount
        scaleWeights = c.scaleAttentionWeights
        attentionDropout = Dropout(c.attentionDropout)
        residualDropout = Dropout(c.residualDropout)
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] {
        [("c_attn", combined), ("c_proj", projection), ("attn_dropout", attentionDropout), ("resid_dropout", residualDropout)]
    }

    /// [B, T, E] → queries, keys and values [B, heads, T, E / heads].
    func projectHeads(_ x: Tensor) -> (queries: Tensor, keys: Tensor, values: Tensor) {
        let batch = x.shape[0], length = x.shape[1], width = x.shape[2]
        let qkv = combined(x)
        func heads(_ part: Int) -> Tensor {
            qkv.slice(axis: 2, (part * width)..<((part + 1) * width))
                .reshaped([batch, length, headCount, width / headCount]).permuted([0, 2, 1, 3])
        }
        return (heads(0), heads(1), heads(2))
    }

    func attend(_ q: Tensor, _ k: Tensor, _ v: Tensor) -> Tensor {
        let batch = q.shape[0], length = q.shape[2], width = q.shape[1] * q.shape[3]
        let attended = causalAttention(query: q, key: k, value: v, dropout: isTraining ? attentionDropout : nil,
                                       scale: scaleWeights ? nil : 1)
        return residualDropout(projection(attended.permuted([0, 2, 1, 3]).reshaped([batch, length, width])))
    }

    /// The whole sequence [B, T, E] (training, scoring): one fused kernel reads the packed projection in place.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let batch = x.shape[0], length = x.shape[1]
        let keep = attentionDropout.keepMask([batch, headCount, length, length])
        let attended = Tensor.causalSelfAttention(packed: combined(x), heads: headCount, scale: scaleWeights ? nil : 1,
                                                  keep: keep)
        return residualDropout(projection(attended))
    }

    /// New positions [B, t, E] after those in `cache`, which receives their keys and values.
    public func step(_ x: Tensor, cache: inout KeyValueCache) -> Tensor {
        let (q, k, v) = projectHeads(x)
        let all = cache.append(keys: k, values: v)
        return attend(q, all.keys, all.values)
    }
}
