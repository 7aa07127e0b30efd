import LemmaNN
import LemmaTensor

/// tanh(dense(first token's hidden state)) (key `dense`): the [CLS] summary that BERT's next-sentence
/// pre-training trained and BertForSequenceClassification classifies.
public final class BertPooler: Module {
    public let dense: Linear

    init(_ configuration: BertConfiguration, generator: RandomGenerator?) {
        dense = Linear(configuration.hiddenSize, configuration.hiddenSize, generator: generator)
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] { [("dense", dense) ] }

    /// hidden [B, T, H] → [B, H].
    public func callAsFunction(_ hidden: Tensor) -> Tensor {
        let first = hidden.slice(axis: 1, 0..<1).reshaped([hidden.shape[0], hidden.shape[2]])
        return dense(first).tanh()
    }
}
