import LemmaDecoding
import LemmaNN
import LemmaTensor

/// An image-to-LaTeX model: im2markup's (Deng et al., 2017), or seed 003's without the row encoder. The CNN
/// turns the image into a grid of feature vectors (through the row encoder when there is one); an LSTM
/// decoder with Luong attention and input feeding (OpenNMT's, as im2markup uses) writes the formula: each
/// step reads [token embedding; previous attentional output], attends over the grid with
/// softmax(h · W m), and emits tanh(W_c [h; context]), which the output layer scores and the next step reads.
/// Keys: `cnn.*`, `row_encoder.*`, `embedding.weight`, `decoder.*`, `attention.weight`,
/// `attentional.weight`, `output.weight`, `output.bias`.
public final class Im2MarkupModel: Module, FormulaReader {
    public let cnn: Im2MarkupCNN
    public let rowEncoder: RowEncoder?
    public let embedding: Embedding
    public let decoder: LSTM
    /// W of the attention score, applied once to the memory [memory width → hidden].
    public let attention: Linear
    public let attentional: Linear
    public let output: Linear
    public let dropout: Dropout
    public let bos: Int32, eos: Int32, pad: Int32
    public let hiddenSize: Int, memorySize: Int

    public struct Sizes: Sendable, Equatable {
        public var cnnWidths = [64, 128, 256, 256, 512, 512]
        /// Per direction; 0: no row encoder (seed 003's encoder), the CNN's features are the memory.
        public var rowEncoderHidden = 256
        public var maxRows = 128
        public var embedding = 80
        public var decoderHidden = 512
        public var dropout: Float = 0
        public init() {}
    }

    public init(vocabularySize: Int, sizes: Sizes = Sizes(), bos: Int32, eos: Int32, pad: Int32, generator: RandomGenerator? = nil) {
        cnn = Im2MarkupCNN(widths: sizes.cnnWidths, generator: generator)
        if sizes.rowEncoderHidden > 0 {
            rowEncoder = RowEncoder(inputSize: cnn.outputChannels, hiddenSize: sizes.rowEncoderHidden, maxRows: sizes.maxRows,
                                    generator: generator)
            memorySize = 2 * sizes.rowEncoderHidden
        } else {
            rowEncoder = nil
            memorySize = cnn.outputChannels
        }
        hiddenSize = sizes.decoderHidden
        embedding = Embedding(vocabularySize, sizes.embedding, generator: generator)
        decoder = LSTM(inputSize: sizes.embedding + hiddenSize, hiddenSize: hiddenSize, batchFirst: true, generator: generator)
        attention = Linear(memorySize, hiddenSize, bias: false, generator: generator)
        attentional = Linear(hiddenSize + memorySize, hiddenSize, bias: false, generator: generator)
        output = Linear(hiddenSize, vocabularySize, generator: generator)
        dropout = Dropout(sizes.dropout)
        (self.bos, self.eos, self.pad) = (bos, eos, pad)
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] {
        var list: [(key: String, module: Module)] = [("cnn", cnn)]
        if let rowEncoder { list.append(("row_encoder", rowEncoder)) }
        return list + [("embedding", embedding), ("decoder", decoder), ("attention", attention), ("attentional", attentional),
                       ("output", output), ("dropout", dropout)]
    }

    public typealias State = FormulaDecoderState

    /// Images [B, 1, H, W] (normalized) → the decoder's starting state.
    public func encode(_ images: Tensor) -> State {
        let features = cnn(images)
        let (batch, channels, height, width) = (features.shape[0], features.shape[1], features.shape[2], features.shape[3])
        let memory = rowEncoder.map { $0(features) }
            ?? features.permuted([0, 2, 3, 1]).reshaped([batch, height * width, channels])
        return start(memory: memory, gridHeight: height, gridWidth: width)
    }

    /// The decoder's starting state for a memory [B, positions, memory width] laid out as a grid of
    /// `gridHeight`×`gridWidth`: zero recurrent state and feed, the attention keys computed once.
    public func start(memory: Tensor, gridHeight: Int, gridWidth: Int) -> State {
        let batch = memory.shape[0]
        let zeros = Tensor.zeros([1, batch, hiddenSize])
        return State(hidden: zeros, cell: zeros, feed: Tensor.zeros([batch, hiddenSize]), memory: memory,
                     keys: attention(memory).transposed(1, 2), gridHeight: gridHeight, gridWidth: gridWidth, rowsPerItem: 1)
    }

    /// One decoder step: the attentional output [rows, hidden] and the state after it.
    public func step(_ tokens: [Int32], state: State) -> (attentional: Tensor, state: State) {
        let rows = tokens.count, items = state.memory.shape[0], perItem = state.rowsPerItem
        let embedded = embedding(IndexTensor(tokens, shape: [rows]))
        let input = Tensor.concat([embedded, state.feed], axis: 1).unsqueezed(1)
        let (out, next) = decoder(input, initialState: RecurrentState(hidden: state.hidden, cell: state.cell))
        let h = out.reshaped([rows, hiddenSize])
        // Each row's query against its own image's keys: [items, rows per item, positions]. The keys are kept
        // transposed ([items, hidden, positions]): transposing here copied them, and kept the copy for the
        // backward pass, at every step of every formula — gigabytes over a batch of 150-token formulas.
        let weights = h.reshaped([items, perItem, hiddenSize]).matmul(state.keys).softmax(axis: 2)
        let context = weights.matmul(state.memory).reshaped([rows, memorySize])
        let attended = attentional(Tensor.concat([h, context], axis: 1)).tanh()
        var after = state
        after.hidden = next.hidden
        after.cell = next.cell!
        after.feed = attended
        after.lastAttention = weights.reshaped([rows, weights.shape[2]])
        return (attended, after)
    }

    /// Scores [rows, vocabulary] of an attentional output.
    public func logits(_ attended: Tensor) -> Tensor { output(dropout(attended)) }

    public func decode(_ tokens: [Int32], state: State) -> (logits: Tensor, state: State) {
        let (attended, next) = step(tokens, state: state)
        return (logits(attended), next)
    }

    /// Teacher-forced scores [B, T, V] for images [B, 1, H, W] and decoder inputs [B, T] (BOS, then the
    /// target shifted right): one step per position, the output layer applied once to all of them.
    public func callAsFunction(_ images: Tensor, inputs: IndexTensor) -> Tensor {
        teacherForced(from: encode(images), inputs: inputs)
    }

    /// Teacher-forced scores [B, T, V] from a starting state (`encode`'s or `start`'s).
    public func teacherForced(from state: State, inputs: IndexTensor) -> Tensor {
        teacherForced(from: state, inputs: inputs, step: { step($0, state: $1) }, logits: logits)
    }
}
