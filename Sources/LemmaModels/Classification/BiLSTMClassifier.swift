import LemmaData
import LemmaNN
import LemmaTensor

/// Seed 000's recurrent stack (its repository's experiment log, run 17 on the 08.2018 data): embeddings →
/// dropout → BiLSTM(128) → dropout → BiLSTM(64) → dropout → LSTM(64), read at each sequence's last real
/// token → dropout → linear; the dropout rates are those of its `ams_bidirectional_lstm.py`. Every
/// layer runs with the batch's lengths, so padding is never consumed (Keras' masking) and a sequence's
/// logits do not depend on its batch.
public final class BiLSTMClassifier: Module, TextClassifier {
    public let embeddings: Embedding
    public let embeddingDropout: Dropout
    /// The bidirectional layers, returning sequences; PyTorch keys `bilstms.<i>.weight_ih_l0`, …
    public let bilstms: [LSTM]
    /// The final forward layer, read at the last real token.
    public let lstm: LSTM
    public let dropout: Dropout
    public let classifier: Linear

    /// `hiddenSizes`: units of each bidirectional layer, then of the final LSTM (at least two sizes).
    /// Defaults as the seed: [128, 64, 64], dropout 0.2 on the embeddings and 0.1 after each recurrent layer.
    public init(embeddings: Embedding, classCount: Int, hiddenSizes: [Int] = [128, 64, 64],
                embeddingDropout: Float = 0.2, dropout: Float = 0.1, generator: RandomGenerator? = nil) {
        guard hiddenSizes.count >= 2, hiddenSizes.allSatisfy({ $0 >= 1 }), classCount >= 1 else {
            fatalError("BiLSTMClassifier: needs positive sizes for at least one bidirectional and the final layer, and classes; got \(hiddenSizes), \(classCount) classes")
        }
        self.embeddings = embeddings
        self.embeddingDropout = Dropout(embeddingDropout)
        var inputSize = embeddings.dimension
        bilstms = hiddenSizes.dropLast().map { size in
            defer { inputSize = 2 * size }
            return LSTM(inputSize: inputSize, hiddenSize: size, batchFirst: true, bidirectional: true, generator: generator)
        }
        lstm = LSTM(inputSize: inputSize, hiddenSize: hiddenSizes.last!, batchFirst: true, generator: generator)
        self.dropout = Dropout(dropout)
        classifier = Linear(hiddenSizes.last!, classCount, generator: generator)
        super.init()
    }

    public var classCount: Int { classifier.outFeatures }

    public func logits(_ batch: Batch) -> Tensor {
        let lengths = batch.recurrentLengths
        var sequence = embeddingDropout(embeddings(batch.ids))
        for layer in bilstms {
            sequence = dropout(layer(sequence, lengths: lengths).output)
        }
        return classifier(dropout(lstm.lastRealState(sequence, lengths: lengths)))
    }
}
