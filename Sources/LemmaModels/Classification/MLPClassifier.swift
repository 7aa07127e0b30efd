import LemmaData
import LemmaNN
import LemmaTensor

/// Seed 000's dense baseline: every token's vector, side by side over a fixed number of positions, through
/// two ReLU layers. In Keras: Embedding → Dropout → Flatten → Dense(relu) → Dense(relu) → Dropout → Dense.
///
/// Flattening [B, L, E] row-major gives the same [B, L·E] order as Keras' Flatten, and each `Linear` stores
/// its weight [out, in] (Keras' kernel transposed), so a Keras model's weights load with one transpose each.
/// Because the first dense layer has a weight per position, batches must be padded to `fixedLength`
/// (`Collator(padID:maxLength:padToMaxLength: true)`).
public final class MLPClassifier: Module, TextClassifier {
    public let embeddings: Embedding
    public let embeddingDropout: Dropout
    public let dense1: Linear
    public let dense2: Linear
    public let dropout: Dropout
    public let classifier: Linear
    public let fixedLength: Int

    /// Defaults are the seed's: 480 positions, two layers of 480 units, dropout 0.5 on the embeddings and
    /// 0.2 before the output layer. Pass `Embedding(pretrained:)` for GloVe vectors (frozen by default).
    public init(embeddings: Embedding, classCount: Int, fixedLength: Int = 480, hiddenSize: Int = 480,
                embeddingDropout: Float = 0.5, dropout: Float = 0.2, generator: RandomGenerator? = nil) {
        guard fixedLength >= 1, hiddenSize >= 1, classCount >= 1 else {
            fatalError("MLPClassifier: fixedLength (\(fixedLength)), hiddenSize (\(hiddenSize)) and classCount (\(classCount)) must be positive")
        }
        self.embeddings = embeddings
        self.embeddingDropout = Dropout(embeddingDropout)
        dense1 = Linear(fixedLength * embeddings.dimension, hiddenSize, generator: generator)
        dense2 = Linear(hiddenSize, hiddenSize, generator: generator)
        self.dropout = Dropout(dropout)
        classifier = Linear(hiddenSize, classCount, generator: generator)
        self.fixedLength = fixedLength
        super.init()
    }

    public var classCount: Int { classifier.outFeatures }

    public func logits(_ batch: Batch) -> Tensor {
        let length = batch.ids.shape[1]
        guard length == fixedLength else {
            fatalError("""
                MLPClassifier: batches must be padded to the fixed length \(fixedLength), got length \(length) \
                (collate with Collator(padID:, maxLength: \(fixedLength), padToMaxLength: true))
                """)
        }
        let vectors = embeddingDropout(embeddings(batch.ids))  // [B, L, E]
        let flat = vectors.reshaped([batch.ids.shape[0], fixedLength * embeddings.dimension])
        let hidden = dense2(dense1(flat).relu()).relu()
        return classifier(dropout(hidden))
    }
}
