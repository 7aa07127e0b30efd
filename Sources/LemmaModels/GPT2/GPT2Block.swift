import LemmaNN
import LemmaTensor

/// GPT-2's feed-forward block (`c_fc`, activation, `c_proj`, dropout), Hugging Face's `GPT2MLP`.
public final class GPT2FeedForward: Module, UnaryLayer {
    public let expand: InOutLinear, contract: InOutLinear
    public let activation: HuggingFaceActivation
    let dropout: Dropout

    init(_ c: GPT2Configuration, generator: RandomGenerator?) {
        expand = InOutLinear(c.width, c.feedForwardSize, std: c.initializerRange, generator: generator)
        contract = InOutLinear(c.feedForwardSize, c.width, std: c.initializerRange / (2 * Float(c.layerCount)).squareRoot(),
                               generator: generator)
        activation = c.activation
        dropout = Dropout(c.residualDropout)
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] {
        [("c_fc", expand), ("c_proj", contract), ("dropout", dropout)]
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { dropout(contract(activation(expand(x)))) }
}

/// One pre-LN transformer block of GPT-2 (`ln_1`, `attn`, `ln_2`, `mlp`): x + attn(ln_1(x)), then
/// x + mlp(ln_2(x)).
public final class GPT2Block: Module {
    public let norm1: LayerNorm, attention: GPT2Attention, norm2: LayerNorm, feedForward: GPT2FeedForward

    init(_ c: GPT2Configuration, generator: RandomGenerator?) {
        norm1 = LayerNorm(c.width, eps: c.layerNormEps)
        attention = GPT2Attention(c, generator: generator)
        norm2 = LayerNorm(c.width, eps: c.layerNormEps)
        feedForward = GPT2FeedForward(c, generator: generator)
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] {
        [("ln_1", norm1), ("attn", attention), ("ln_2", norm2), ("mlp", feedForward)]
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let h = x + attention(norm1(x))
        return h + feedForward(norm2(h))
    }

    /// New positions after those in `cache` (generation).
    public func step(_ x: Tensor, cache: inout KeyValueCache) -> Tensor {
        let h = x + attention.step(norm1(x), cache: &cache)
        return h + feedForward(norm2(h))
    }
}
