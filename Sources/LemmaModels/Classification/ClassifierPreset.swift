import LemmaNN
import LemmaTensor

/// A classifier described by its architecture and sizes, buildable from a run configuration's `model`
/// section: `ClassifierPreset(.cnn, vocabSize: 20_000, classCount: 2).make()`.
public struct ClassifierPreset {
    /// The `model.arch` values of a run configuration (docs/CONFIG.md) that are text classifiers.
    public enum Architecture: String, CaseIterable, Sendable {
        case mlp, cnn, rnn, gru, lstm, bilstm
    }

    public var architecture: Architecture
    public var sizes: ClassifierSizes

    public init(_ architecture: Architecture, sizes: ClassifierSizes) {
        self.architecture = architecture
        self.sizes = sizes
    }

    /// The seeds' sizes for `architecture`.
    public init(_ architecture: Architecture, vocabSize: Int, classCount: Int) {
        self.init(architecture, sizes: ClassifierSizes(for: architecture, vocabSize: vocabSize, classCount: classCount))
    }

    /// A freshly initialized model, in training mode.
    public func make() -> any TextClassifier {
        let s = sizes
        let generator = s.seed.map { RandomGenerator(seed: $0) }
        let embeddings = makeEmbeddings(generator)
        switch architecture {
        case .mlp:
            return MLPClassifier(embeddings: embeddings, classCount: s.classCount, fixedLength: s.fixedLength,
                                 hiddenSize: s.hiddenSize, embeddingDropout: s.embeddingDropout, dropout: s.dropout,
                                 generator: generator)
        case .cnn:
            return CNNClassifier(embeddings: embeddings, classCount: s.classCount, numFilters: s.numFilters,
                                 filterSizes: s.filterSizes, padding: s.convolutionPadding, dropout: s.dropout,
                                 generator: generator)
        case .rnn, .gru, .lstm:
            let cell: RecurrentCell = architecture == .gru ? .gru : architecture == .lstm ? .lstm
                : s.reluNonlinearity ? .rnnRelu : .rnnTanh
            return RNNClassifier(embeddings: embeddings, classCount: s.classCount, cell: cell, hiddenSize: s.hiddenSize,
                                 numLayers: s.numLayers, bidirectional: s.bidirectional, dropout: s.dropout,
                                 generator: generator)
        case .bilstm:
            return BiLSTMClassifier(embeddings: embeddings, classCount: s.classCount, hiddenSizes: s.hiddenSizes,
                                    embeddingDropout: s.embeddingDropout, dropout: s.dropout, generator: generator)
        }
    }

    private func makeEmbeddings(_ generator: RandomGenerator?) -> Embedding {
        guard let pretrained = sizes.pretrained else {
            return Embedding(sizes.vocabSize, sizes.embeddingDim, paddingIndex: sizes.paddingIndex, generator: generator)
        }
        guard pretrained.rank == 2, pretrained.shape[0] == sizes.vocabSize else {
            fatalError("ClassifierPreset: pretrained vectors \(pretrained.shape) must have one row per token of the \(sizes.vocabSize)-token vocabulary")
        }
        return Embedding(pretrained: pretrained, freeze: sizes.freezeEmbeddings, paddingIndex: sizes.paddingIndex)
    }
}
