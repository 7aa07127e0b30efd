import Foundation
import LemmaData
import LemmaNN
import LemmaTensor

/// BERT with a linear classification head, for fine-tuning (transformers' BertForSequenceClassification,
/// same keys: `bert.…`, `classifier.weight`, `classifier.bias`): pooled text → dropout → linear → logits.
///
/// `.pooler` classifies the pooler's tanh([CLS]) as transformers does; `.mean` classifies the mean of the
/// real tokens' states instead, for sentence-transformers checkpoints whose pooler was never trained (the
/// model then has no pooler and no `bert.pooler.*` keys).
public final class BertClassifier: Module {
    public enum Pooling: Sendable, Equatable {
        case pooler, mean
    }

    public let bert: BertModel
    public let dropout: Dropout
    public let classifier: Linear
    public let pooling: Pooling

    /// A fresh model: the encoder and head initialized as transformers does.
    public convenience init(configuration: BertConfiguration, classCount: Int, pooling: Pooling = .pooler, generator: RandomGenerator? = nil) {
        self.init(configuration: configuration, classCount: classCount, pooling: pooling, generator: generator, randomEncoder: true)
    }

    init(configuration: BertConfiguration, classCount: Int, pooling: Pooling, generator: RandomGenerator?, randomEncoder: Bool) {
        precondition(classCount >= 1, "BertClassifier: classCount must be >= 1, got \(classCount)")
        bert = BertModel(configuration: configuration, addPoolingLayer: pooling == .pooler, generator: generator,
                         randomWeights: randomEncoder)
        dropout = Dropout(configuration.classifierDropout ?? configuration.hiddenDropout)
        classifier = Linear(configuration.hiddenSize, classCount, generator: generator)
        self.pooling = pooling
        super.init()
        initializeBertWeights(classifier, std: configuration.initializerRange, generator: generator)
    }

    /// The pretrained encoder of a Hugging Face directory with a new head of `classCount` classes; a
    /// checkpoint that has a head already (`classifier.weight`, `classifier.bias`) gets it loaded, and then
    /// `classCount` may be nil. Like transformers' from_pretrained, the model starts in evaluation mode;
    /// training switches it (`train()`, which the Trainer calls).
    public convenience init(directory: URL, classCount: Int? = nil, pooling: Pooling = .pooler, generator: RandomGenerator? = nil) throws {
        let checkpoint = try BertCheckpoint(directory: directory)
        let head = checkpoint.heads.filter { $0.key.hasPrefix("classifier.") }
        let stored = head["classifier.weight"]?.shape.first
        guard let count = classCount ?? stored ?? checkpoint.configuration.labelCount else {
            throw FileFormatError(directory.path, "has no classifier head and its config.json no id2label / num_labels; pass classCount")
        }
        self.init(configuration: checkpoint.configuration, classCount: count, pooling: pooling, generator: generator, randomEncoder: false)
        try bert.load(checkpoint)
        if !head.isEmpty {
            let state = Dictionary(uniqueKeysWithValues: head.map { (String($0.key.dropFirst("classifier.".count)), $0.value) })
            do {
                try classifier.loadStateDict(state)
            } catch let error as StateDictError {
                throw FileFormatError(checkpoint.weightsPath, "classifier head: \(error.message)")
            }
        }
        eval()
    }

    public var classCount: Int { classifier.outFeatures }

    /// Logits [B, classes] for ids [B, T] (attention mask and segments as BertModel takes them).
    public func callAsFunction(ids: IndexTensor, attentionMask: Tensor? = nil, tokenTypeIDs: IndexTensor? = nil) -> Tensor {
        let output = bert(ids: ids, attentionMask: attentionMask, tokenTypeIDs: tokenTypeIDs)
        let pooled: Tensor
        switch pooling {
        case .pooler:
            pooled = output.pooledOutput!
        case .mean:
            let mask = attentionMask ?? Tensor.ones(ids.shape)
            pooled = SentencePooling.mean(output.lastHiddenState, attentionMask: mask)
        }
        return classifier(dropout(pooled))
    }

    /// Logits [B, classes] for a collated batch (segment 0 throughout).
    public func logits(_ batch: Batch) -> Tensor {
        self(ids: batch.ids, attentionMask: batch.attentionMask)
    }
}
