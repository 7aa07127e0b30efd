import LemmaTensor

/// Every size and option the classifier presets are built from, with the seeds' values as defaults
/// (`ClassifierSizes(for:vocabSize:classCount:)`). Each architecture reads the fields it has a use for.
public struct ClassifierSizes {
    public var vocabSize: Int
    public var classCount: Int
    /// Vector size of a token; with `pretrained` vectors, the matrix's width is used instead.
    public var embeddingDim: Int
    /// Units of the dense layers (mlp) or of each recurrent layer (rnn, gru, lstm).
    public var hiddenSize: Int
    /// bilstm: units of each bidirectional layer, then of the final forward LSTM.
    public var hiddenSizes: [Int]
    /// Stacked recurrent layers (rnn, gru, lstm).
    public var numLayers: Int
    public var bidirectional: Bool
    /// rnn: ReLU instead of tanh (seed 004's `nonlinearity`).
    public var reluNonlinearity: Bool
    /// cnn: filters per width, the widths, and the zero padding at both ends of each convolution.
    public var numFilters: Int
    public var filterSizes: [Int]
    public var convolutionPadding: Int
    /// Before the output layer (and between stacked recurrent layers).
    public var dropout: Float
    /// On the token vectors (mlp, bilstm).
    public var embeddingDropout: Float
    /// mlp: the length every batch is padded to.
    public var fixedLength: Int
    /// A row of the embedding table that starts at zero and gets no gradient.
    public var paddingIndex: Int?
    /// A [vocabSize, dimension] matrix of pretrained vectors (e.g. `EmbeddingMatcher`'s), or nil for N(0, 1).
    public var pretrained: Tensor?
    /// Keep pretrained vectors fixed during training.
    public var freezeEmbeddings: Bool
    /// Seeds initialization and dropout masks; nil draws from the shared generator (`Random.seed`).
    public var seed: UInt64?

    public init(vocabSize: Int, classCount: Int, embeddingDim: Int = 64, hiddenSize: Int = 96,
                hiddenSizes: [Int] = [128, 64, 64], numLayers: Int = 1, bidirectional: Bool = false,
                reluNonlinearity: Bool = false,
                numFilters: Int = 10, filterSizes: [Int] = [3], convolutionPadding: Int = 1, dropout: Float = 0,
                embeddingDropout: Float = 0, fixedLength: Int = 480, paddingIndex: Int? = nil,
                pretrained: Tensor? = nil, freezeEmbeddings: Bool = true, seed: UInt64? = nil) {
        self.vocabSize = vocabSize
        self.classCount = classCount
        self.embeddingDim = embeddingDim
        self.hiddenSize = hiddenSize
        self.hiddenSizes = hiddenSizes
        self.numLayers = numLayers
        self.bidirectional = bidirectional
        self.reluNonlinearity = reluNonlinearity
        self.numFilters = numFilters
        self.filterSizes = filterSizes
        self.convolutionPadding = convolutionPadding
        self.dropout = dropout
        self.embeddingDropout = embeddingDropout
        self.fixedLength = fixedLength
        self.paddingIndex = paddingIndex
        self.pretrained = pretrained
        self.freezeEmbeddings = freezeEmbeddings
        self.seed = seed
    }

    /// The seeds' sizes: seed 000 for mlp (300-d vectors, 480 positions, dense 480, dropout 0.5 and 0.2) and
    /// bilstm (BiLSTM 128, BiLSTM 64, LSTM 64, dropout 0.2 and 0.1); seed 004 for cnn (64-d embeddings,
    /// 10 filters of width 3, padding 1) and rnn/gru/lstm (64-d embeddings, one layer of 96 units).
    public init(for architecture: ClassifierPreset.Architecture, vocabSize: Int, classCount: Int) {
        self.init(vocabSize: vocabSize, classCount: classCount)
        switch architecture {
        case .mlp:
            (embeddingDim, hiddenSize, fixedLength, embeddingDropout, dropout) = (300, 480, 480, 0.5, 0.2)
        case .bilstm:
            (embeddingDim, hiddenSizes, embeddingDropout, dropout) = (300, [128, 64, 64], 0.2, 0.1)
        case .cnn, .rnn, .gru, .lstm:
            break
        }
    }
}
