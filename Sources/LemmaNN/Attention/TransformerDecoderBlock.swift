import LemmaTensor

/// A transformer decoder layer with PyTorch's `nn.TransformerDecoderLayer` parameters (`self_attn`,
/// `multihead_attn`, `linear1`, `linear2`, `norm1`, `norm2`, `norm3`), batch-first: causal self-attention,
/// attention over the encoder's output (the memory), a feed-forward block, each with a residual; post-LN,
/// or pre-LN with `normFirst`. `step` runs one new position against a key/value cache and gives the same
/// numbers as the whole-sequence pass at that position.
public final class TransformerDecoderBlock: Module {
    public let selfAttention: MultiheadAttention, crossAttention: MultiheadAttention
    public let linear1: Linear, linear2: Linear
    public let norm1: LayerNorm, norm2: LayerNorm, norm3: LayerNorm
    public let dropout: Dropout, dropout1: Dropout, dropout2: Dropout, dropout3: Dropout
    public let normFirst: Bool
    public let activation: any UnaryLayer

    public init(embedDim: Int, numHeads: Int, feedForwardDim: Int, dropout: Float = 0.1, gelu: Bool = false,
                normFirst: Bool = false, layerNormEps: Float = 1e-5, generator: RandomGenerator? = nil) {
        selfAttention = MultiheadAttention(embedDim: embedDim, numHeads: numHeads, dropout: dropout, generator: generator)
        crossAttention = MultiheadAttention(embedDim: embedDim, numHeads: numHeads, dropout: dropout, generator: generator)
        linear1 = Linear(embedDim, feedForwardDim, generator: generator)
        linear2 = Linear(feedForwardDim, embedDim, generator: generator)
        norm1 = LayerNorm(embedDim, eps: layerNormEps)
        norm2 = LayerNorm(embedDim, eps: layerNormEps)
        norm3 = LayerNorm(embedDim, eps: layerNormEps)
        self.dropout = Dropout(dropout)
        dropout1 = Dropout(dropout)
        dropout2 = Dropout(dropout)
        dropout3 = Dropout(dropout)
        activation = gelu ? GELU() : ReLU()
        self.normFirst = normFirst
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] {
        [("self_attn", selfAttention), ("multihead_attn", crossAttention), ("linear1", linear1), ("linear2", linear2),
         ("norm1", norm1), ("norm2", norm2), ("norm3", norm3),
         // Weightless, but they must hear train()/eval().
         ("dropout", dropout), ("dropout1", dropout1), ("dropout2", dropout2), ("dropout3", dropout3)]
    }

    /// The memory's keys and values for this layer's cross-attention, projected once per source.
    public func memoryProjections(_ memory: Tensor) -> (keys: Tensor, values: Tensor) {
        (crossAttention.project(memory, .key), crossAttention.project(memory, .value))
    }

    /// The whole target [B, T, E] at once (training with teacher forcing). `memoryPadding` [B, S]: 1 marks
    /// padded source positions, which no target position attends to.
    public func callAsFunction(_ target: Tensor, memory: Tensor, memoryPadding: Tensor?) -> Tensor {
        let projected = memoryProjections(memory)
        return forward(target, memoryKeys: projected.keys, memoryValues: projected.values, memoryPadding: memoryPadding) { x in
            selfAttention(query: x, key: x, value: x, causal: true).output
        }
    }

    /// One or more new positions [B, t, E] after those in `cache`, which receives their keys and values.
    public func step(_ target: Tensor, cache: inout KeyValueCache, memoryKeys: Tensor, memoryValues: Tensor,
                     memoryPadding: Tensor?) -> Tensor {
        forward(target, memoryKeys: memoryKeys, memoryValues: memoryValues, memoryPadding: memoryPadding) { x in
            let (keys, values) = cache.append(keys: selfAttention.project(x, .key), values: selfAttention.project(x, .value))
            return selfAttention.attend(queries: selfAttention.project(x, .query), keys: keys, values: values, causal: true).output
        }
    }

    func forward(_ input: Tensor, memoryKeys: Tensor, memoryValues: Tensor, memoryPadding: Tensor?,
                 selfAttend: (Tensor) -> Tensor) -> Tensor {
        func attendMemory(_ x: Tensor) -> Tensor {
            crossAttention.attend(queries: crossAttention.project(x, .query), keys: memoryKeys, values: memoryValues,
                                  keyPadding: memoryPadding).output
        }
        func feedForward(_ x: Tensor) -> Tensor { linear2(dropout(activation(linear1(x)))) }
        if normFirst {
            var x = input + dropout1(selfAttend(norm1(input)))
            x = x + dropout2(attendMemory(norm2(x)))
            return x + dropout3(feedForward(norm3(x)))
        }
        var x = norm1(input + dropout1(selfAttend(input)))
        x = norm2(x + dropout2(attendMemory(x)))
        return norm3(x + dropout3(feedForward(x)))
    }
}
