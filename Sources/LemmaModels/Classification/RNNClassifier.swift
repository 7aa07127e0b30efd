import LemmaData
import LemmaNN
import LemmaTensor

/// Seed 004's SimpleRNN, with the cell, depth and direction as options: embeddings → RNN, GRU or LSTM →
/// the top layer's output at each sequence's last real token (for a bidirectional layer, the forward output
/// there beside the reverse output at the first token) → dropout → linear.
///
/// The seed reads `outputs[:, -1]`, the padded end, which makes a sequence's prediction depend on how much
/// padding its batch has; this reads each row at its own length instead.
public final class RNNClassifier: Module, TextClassifier {
    public let embeddings: Embedding
    /// PyTorch keys `rnn.weight_ih_l0`, …
    public let rnn: Recurrent
    public let dropout: Dropout
    public let classifier: Linear

    /// Defaults are the seed's: one tanh RNN layer of 96 units, forward only, no dropout. `dropout` applies
    /// between stacked layers (PyTorch's `dropout` argument) and to the features before the output layer.
    public init(embeddings: Embedding, classCount: Int, cell: RecurrentCell = .rnnTanh, hiddenSize: Int = 96,
                numLayers: Int = 1, bidirectional: Bool = false, dropout: Float = 0,
                generator: RandomGenerator? = nil) {
        guard classCount >= 1 else { fatalError("RNNClassifier: classCount must be positive, got \(classCount)") }
        self.embeddings = embeddings
        let inputSize = embeddings.dimension
        switch cell {
        case .rnnTanh, .rnnRelu:
            rnn = RNN(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, relu: cell == .rnnRelu,
                      batchFirst: true, dropout: dropout, bidirectional: bidirectional, generator: generator)
        case .gru:
            rnn = GRU(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, batchFirst: true,
                      dropout: dropout, bidirectional: bidirectional, generator: generator)
        case .lstm:
            rnn = LSTM(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, batchFirst: true,
                       dropout: dropout, bidirectional: bidirectional, generator: generator)
        }
        self.dropout = Dropout(dropout)
        classifier = Linear((bidirectional ? 2 : 1) * hiddenSize, classCount, generator: generator)
        super.init()
    }

    public var classCount: Int { classifier.outFeatures }

    public func logits(_ batch: Batch) -> Tensor {
        let features = rnn.lastRealState(embeddings(batch.ids), lengths: batch.recurrentLengths)
        return classifier(dropout(features))
    }
}
