import LemmaData
import LemmaNN
import LemmaTensor

/// BERT's encoder (transformers' BertModel), with its parameter keys: `embeddings.…`,
/// `encoder.layer.N.…` and `pooler.dense.…`. Differentiable end to end, for fine-tuning.
///
/// Load a Hugging Face directory with `BertModel(directory:)`; build a fresh one (transformers'
/// initialization) with `BertModel(configuration:)`.
public final class BertModel: Module {
    public let configuration: BertConfiguration
    public let embeddings: BertEmbeddings
    public let encoder: BertLayerStack
    /// nil for models built without the pooling layer (as transformers' `add_pooling_layer=False`).
    public let pooler: BertPooler?

    public convenience init(configuration: BertConfiguration, addPoolingLayer: Bool = true, generator: RandomGenerator? = nil) {
        self.init(configuration: configuration, addPoolingLayer: addPoolingLayer, generator: generator, randomWeights: true)
    }

    /// `randomWeights: false` skips drawing weights that a checkpoint is about to overwrite (most of the
    /// time it takes to load a model).
    init(configuration: BertConfiguration, addPoolingLayer: Bool, generator: RandomGenerator?, randomWeights: Bool) {
        self.configuration = configuration
        embeddings = BertEmbeddings(configuration, generator: generator, randomWeights: randomWeights)
        encoder = BertLayerStack(configuration, generator: generator)
        pooler = addPoolingLayer ? BertPooler(configuration, generator: generator) : nil
        super.init()
        if randomWeights { initializeBertWeights(self, std: configuration.initializerRange, generator: generator) }
    }

    public override func children() -> [(key: String, module: Module)] {
        [("embeddings", embeddings), ("encoder", encoder)] + (pooler.map { [("pooler", $0)] } ?? [])
    }

    /// ids [B, T]; `attentionMask` [B, T] with 1 for tokens and 0 for padding (no position attends to
    /// padding); `tokenTypeIDs` [B, T] segment ids (default all 0).
    public func callAsFunction(ids: IndexTensor, attentionMask: Tensor? = nil, tokenTypeIDs: IndexTensor? = nil) -> BertModelOutput {
        let batch = ids.shape[0], length = ids.shape[1]
        // [B, 1, 1, T], 1 on padding keys: broadcasts over heads and queries in every layer.
        let padding = attentionMask.map { mask -> Tensor in
            precondition(mask.shape == ids.shape, "BertModel: attention mask \(mask.shape) must match ids \(ids.shape)")
            return withNoGrad { (1 - mask).reshaped([batch, 1, 1, length]) }
        }
        let hidden = encoder(embeddings(ids: ids, tokenTypeIDs: tokenTypeIDs), padding: padding)
        return BertModelOutput(lastHiddenState: hidden, pooledOutput: pooler?(hidden))
    }

    /// A collated batch (ids and attention mask; segment 0 throughout).
    public func callAsFunction(_ batch: Batch) -> BertModelOutput {
        self(ids: batch.ids, attentionMask: batch.attentionMask)
    }
}

/// What BertModel returns, named as in transformers.
public struct BertModelOutput {
    /// [B, T, H]: the last layer's hidden state of every token (padding positions included; mask them).
    public let lastHiddenState: Tensor
    /// [B, H]: the pooler's output, nil when the model has no pooling layer.
    public let pooledOutput: Tensor?
}
