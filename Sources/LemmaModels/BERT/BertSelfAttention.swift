import LemmaNN
import LemmaTensor

/// BERT's multi-head self-attention (keys `query`, `key`, `value`): all heads at once, as batched matrix
/// products over [B, heads, T, head size].
public final class BertSelfAttention: Module {
    public let query: Linear, key: Linear, value: Linear
    public let headCount: Int
    let dropout: Dropout

    init(_ configuration: BertConfiguration, generator: RandomGenerator?) {
        let h = configuration.hiddenSize
        query = Linear(h, h, generator: generator)
        key = Linear(h, h, generator: generator)
        value = Linear(h, h, generator: generator)
        headCount = configuration.headCount
        dropout = Dropout(configuration.attentionDropout)
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] {
        [("query", query), ("key", key), ("value", value), ("dropout", dropout)]
    }

    /// hidden [B, T, H]; `padding` [B, 1, 1, T] with 1 on padding keys. Returns the heads' outputs, merged
    /// back to [B, T, H].
    func callAsFunction(_ hidden: Tensor, padding: Tensor?) -> Tensor {
        let batch = hidden.shape[0], length = hidden.shape[1], size = hidden.shape[2]
        func heads(_ x: Tensor) -> Tensor {
            x.reshaped([batch, length, headCount, size / headCount]).permuted([0, 2, 1, 3])
        }
        let (attended, _) = scaledDotProductAttention(query: heads(query(hidden)), key: heads(key(hidden)),
                                                      value: heads(value(hidden)), blocked: padding,
                                                      dropout: dropout)
        return attended.permuted([0, 2, 1, 3]).reshaped([batch, length, size])
    }
}
