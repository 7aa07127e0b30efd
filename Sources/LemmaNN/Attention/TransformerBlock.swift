import LemmaTensor

/// A transformer encoder layer with PyTorch's `nn.TransformerEncoderLayer` parameters (`self_attn`,
/// `linear1`, `linear2`, `norm1`, `norm2`), batch-first. `normFirst` gives the pre-LN block of GPT-2;
/// otherwise the post-LN block of BERT and the original Transformer.
public final class TransformerBlock: Module, UnaryLayer {
    public let selfAttention: MultiheadAttention
    public let linear1: Linear, linear2: Linear
    public let norm1: LayerNorm, norm2: LayerNorm
    public let dropout: Dropout, dropout1: Dropout, dropout2: Dropout
    public let normFirst: Bool, causal: Bool
    public let activation: any UnaryLayer

    public init(embedDim: Int, numHeads: Int, feedForwardDim: Int, dropout: Float = 0.1, gelu: Bool = false,
                normFirst: Bool = false, causal: Bool = false, layerNormEps: Float = 1e-5,
                generator: RandomGenerator? = nil) {
        selfAttention = MultiheadAttention(embedDim: embedDim, numHeads: numHeads, dropout: dropout, generator: generator)
        linear1 = Linear(embedDim, feedForwardDim, generator: generator)
        linear2 = Linear(feedForwardDim, embedDim, generator: generator)
        norm1 = LayerNorm(embedDim, eps: layerNormEps)
        norm2 = LayerNorm(embedDim, eps: layerNormEps)
        self.dropout = Dropout(dropout)
        dropout1 = Dropout(dropout)
        dropout2 = Dropout(dropout)
        activation = gelu ? GELU() : ReLU()
        self.normFirst = normFirst
        self.causal = causal
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] {
        // The dropouts hold no weights but must hear train()/eval() like every other layer.
        [("self_attn", selfAttention), ("linear1", linear1), ("linear2", linear2), ("norm1", norm1), ("norm2", norm2),
         ("dropout", dropout), ("dropout1", dropout1), ("dropout2", dropout2)]
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { self(input, keyPadding: nil) }

    /// `keyPadding` [B, T]: 1 marks padding positions, which no position attends to.
    public func callAsFunction(_ input: Tensor, keyPadding: Tensor?) -> Tensor {
        func attend(_ x: Tensor) -> Tensor {
            dropout1(selfAttention(query: x, key: x, value: x, keyPadding: keyPadding, causal: causal).output)
        }
        func feedForward(_ x: Tensor) -> Tensor { dropout2(linear2(dropout(activation(linear1(x))))) }
        if normFirst {
            let x = input + attend(norm1(input))
            return x + feedForward(norm2(x))
        }
        let x = norm1(input + attend(input))
        return norm2(x + feedForward(x))
    }
}
