import LemmaNN
import LemmaTensor

/// One post-LN transformer layer of BERT: attention, then the feed-forward block, each closed by a
/// residual output (keys `attention.self.*`, `attention.output.*`, `intermediate.dense`, `output.*`).
public final class BertLayer: Module {
    public let attention: BertAttention
    public let intermediate: BertIntermediate
    public let output: BertResidualOutput

    init(_ configuration: BertConfiguration, generator: RandomGenerator?) {
        attention = BertAttention(configuration, generator: generator)
        intermediate = BertIntermediate(configuration, generator: generator)
        output = BertResidualOutput(inputSize: configuration.intermediateSize, configuration, generator: generator)
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] {
        [("attention", attention), ("intermediate", intermediate), ("output", output)]
    }

    func callAsFunction(_ hidden: Tensor, padding: Tensor?) -> Tensor {
        let attended = attention(hidden, padding: padding)
        return output(intermediate(attended), residual: attended)
    }
}

/// Self-attention and its residual output (keys `self`, `output`).
public final class BertAttention: Module {
    public let selfAttention: BertSelfAttention
    public let output: BertResidualOutput

    init(_ configuration: BertConfiguration, generator: RandomGenerator?) {
        selfAttention = BertSelfAttention(configuration, generator: generator)
        output = BertResidualOutput(inputSize: configuration.hiddenSize, configuration, generator: generator)
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] { [("self", selfAttention), ("output", output)] }

    func callAsFunction(_ hidden: Tensor, padding: Tensor?) -> Tensor {
        output(selfAttention(hidden, padding: padding), residual: hidden)
    }
}

/// The feed-forward block's widening projection and activation (key `dense`).
public final class BertIntermediate: Module {
    public let dense: Linear
    public let activation: HuggingFaceActivation

    init(_ configuration: BertConfiguration, generator: RandomGenerator?) {
        dense = Linear(configuration.hiddenSize, configuration.intermediateSize, generator: generator)
        activation = configuration.activation
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] { [("dense", dense)] }

    func callAsFunction(_ x: Tensor) -> Tensor { activation(dense(x)) }
}
