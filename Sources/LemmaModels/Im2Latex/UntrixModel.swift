import LemmaNN
import LemmaTensor

/// Seed 003's model (untrix's im2latex, Singh 2018, the I2L-STRIPS / I2L-NOPOOL networks) at configurable
/// sizes. Each image sits centred on a fixed canvas of paper (shrunk by whole factors first if it is larger);
/// `UntrixCNN` turns the canvas into a H0×W0 grid of features, regrouped into W0 vertical strips of H0·C
/// values (STRIPS) or kept as H0·W0 cells of C (NOPOOL): the L locations of width D the decoder attends to.
///
/// Each step t: attention α = softmax(MLP([flattened grid; h_top])) over the L locations (layers of
/// max(L, 256) and max(L, 128) tanh units, then L scores; the grid's share of the first layer is computed
/// once per image), context z = Σ α a; a stack of peephole LSTMs reads [E y_{t−1}; z]; the output MLP reads
/// [E y_{t−1}; h_top; z] through two tanh layers to the scores. The initial h and c of every layer come from
/// the flattened grid through a shared tanh layer of min(D, 100) units and one tanh head each. Pixels enter
/// as (x − 127.5) / 255. Weights Glorot-uniform, biases zero (the LSTMs' forget bias 1), as TensorFlow
/// initialized them. No dropout (seed 003 trains without).
///
/// Keys: `cnn.*`, `embedding.weight`, `decoder.{layer}.*`, `attention_image.*` (the grid's part of the first
/// attention layer), `attention_state.weight` (h_top's part), `attention_hidden.*`, `attention_scores.*`,
/// `init_shared.*`, `init_heads.{2·layer (h), 2·layer + 1 (c)}.*`, `output_hidden.{0,1}.*`, `output.*`.
public final class UntrixModel: Module, FormulaReader {
    public struct Sizes: Sendable, Equatable {
        public var cnnWidths = [64, 128, 256, 512, 512]
        /// The canvas images are centred on (multiples of 32). Seed 003's is 1088 × 128 at its rendering
        /// resolution; half of it suits images downsampled by 2, as Lemma's are by default.
        public var canvasWidth = 544, canvasHeight = 64
        /// Regroup each column of the feature grid into one location (I2L-STRIPS), or keep every cell (I2L-NOPOOL).
        public var strips = true
        public var embedding = 64
        public var decoderHidden = 1500
        public var layers = 2
        public var outputHidden = 358
        public init() {}

        /// Locations and their width for these sizes.
        public var grid: (height: Int, width: Int, locations: Int, depth: Int) {
            let height = canvasHeight / 32, width = canvasWidth / 32, channels = cnnWidths[4]
            return strips ? (height, width, width, height * channels) : (height, width, height * width, channels)
        }
    }

    public let sizes: Sizes
    public let cnn: UntrixCNN
    public let embedding: Embedding
    public let decoder: [PeepholeLSTMCell]
    public let attentionImage: Linear, attentionState: Linear, attentionHidden: Linear, attentionScores: Linear
    public let initShared: Linear
    public let initHeads: [Linear]
    public let outputHidden: [Linear]
    public let output: Linear
    public let bos: Int32, eos: Int32, pad: Int32

    public init(vocabularySize: Int, sizes: Sizes = Sizes(), bos: Int32, eos: Int32, pad: Int32, generator: RandomGenerator? = nil) {
        precondition(sizes.canvasWidth % 32 == 0 && sizes.canvasHeight % 32 == 0, "UntrixModel: the canvas must be multiples of 32")
        self.sizes = sizes
        let (_, _, locations, depth) = sizes.grid
        let hidden = sizes.decoderHidden
        func dense(_ input: Int, _ output: Int, bias: Bool = true) -> Linear {
            Linear(input, output, bias: bias, initialization: .glorotUniform, generator: generator)
        }
        cnn = UntrixCNN(widths: sizes.cnnWidths, generator: generator)
        embedding = Embedding(vocabularySize, sizes.embedding, generator: generator)
        decoder = (0..<sizes.layers).map { layer in
            PeepholeLSTMCell(inputSize: layer == 0 ? sizes.embedding + depth : hidden, hiddenSize: hidden, generator: generator)
        }
        let first = max(locations, 256), second = max(locations, 128)
        attentionImage = dense(locations * depth, first)
        attentionState = dense(hidden, first, bias: false)
        attentionHidden = dense(first, second)
        attentionScores = dense(second, locations)
        let shared = min(depth, 100)
        initShared = dense(locations * depth, shared)
        initHeads = (0..<(2 * sizes.layers)).map { _ in dense(shared, hidden) }
        outputHidden = [dense(sizes.embedding + hidden + depth, sizes.outputHidden), dense(sizes.outputHidden, sizes.outputHidden)]
        output = dense(sizes.outputHidden, vocabularySize)
        (self.bos, self.eos, self.pad) = (bos, eos, pad)
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] {
        var list: [(key: String, module: Module)] = [("cnn", cnn), ("embedding", embedding)]
        list += decoder.enumerated().map { ("decoder.\($0.offset)", $0.element) }
        list += [("attention_image", attentionImage), ("attention_state", attentionState), ("attention_hidden", attentionHidden),
                 ("attention_scores", attentionScores), ("init_shared", initShared)]
        list += initHeads.enumerated().map { ("init_heads.\($0.offset)", $0.element) }
        list += outputHidden.enumerated().map { ("output_hidden.\($0.offset)", $0.element) }
        return list + [("output", output)]
    }

    /// Images [B, 1, h, w] (pixels in [0, 1]) centred on the canvas with a one-pixel frame, as the CNN reads
    /// them: [B, 1, H + 2, W + 2], centred on zero.
    public func canvas(_ images: Tensor) -> Tensor {
        var x = images
        let (batch, height, width) = (x.shape[0], x.shape[2], x.shape[3])
        // Larger than the canvas (a user's image): shrink by the smallest whole factor that fits.
        let factor = max((height + sizes.canvasHeight - 1) / sizes.canvasHeight, (width + sizes.canvasWidth - 1) / sizes.canvasWidth)
        if factor > 1 { x = x.avgPool2d(kernelSize: Size2D(factor, factor)) }
        let (h, w) = (x.shape[2], x.shape[3])
        let top = (sizes.canvasHeight - h) / 2 + 1, left = (sizes.canvasWidth - w) / 2 + 1
        let bottom = sizes.canvasHeight + 2 - h - top, right = sizes.canvasWidth + 2 - w - left
        func paper(_ rows: Int, _ columns: Int) -> Tensor { Tensor.full([batch, 1, rows, columns], 1) }
        var row = [paper(h, left), x]
        if right > 0 { row.append(paper(h, right)) }
        let framed = Tensor.concat([paper(top, sizes.canvasWidth + 2), Tensor.concat(row, axis: 3), paper(bottom, sizes.canvasWidth + 2)], axis: 2)
        return framed - 0.5
    }

    public func encode(_ images: Tensor) -> FormulaDecoderState {
        let features = cnn(canvas(images))
        let (batch, channels, height, width) = (features.shape[0], features.shape[1], features.shape[2], features.shape[3])
        let (_, _, locations, depth) = sizes.grid
        // STRIPS: column j's values row by row, channels within a row; NOPOOL: cells row-major.
        let memory = sizes.strips
            ? features.permuted([0, 3, 2, 1]).reshaped([batch, width, height * channels])
            : features.permuted([0, 2, 3, 1]).reshaped([batch, height * width, channels])
        let flat = memory.reshaped([batch, locations * depth])
        let shared = initShared(flat).tanh()
        let starts = initHeads.map { $0(shared).tanh() }
        let layers = sizes.layers
        let hidden = Tensor.stack((0..<layers).map { starts[2 * $0] }, axis: 0)
        let cell = Tensor.stack((0..<layers).map { starts[2 * $0 + 1] }, axis: 0)
        return FormulaDecoderState(hidden: hidden, cell: cell, feed: Tensor.zeros([batch, depth]), memory: memory,
                                   keys: attentionImage(flat).unsqueezed(1), gridHeight: sizes.strips ? 1 : height,
                                   gridWidth: width, rowsPerItem: 1, lastAttention: nil)
    }

    /// One step: what the output MLP reads, [E y; h_top; z] [rows, E + H + D], and the state after it.
    public func step(_ tokens: [Int32], state: FormulaDecoderState) -> (features: Tensor, state: FormulaDecoderState) {
        let rows = tokens.count, items = state.memory.shape[0], perItem = state.rowsPerItem
        let (_, _, locations, depth) = sizes.grid
        let hiddenSize = sizes.decoderHidden, layers = sizes.layers
        func layer(_ t: Tensor, _ l: Int) -> Tensor { t.slice(axis: 0, l..<(l + 1)).reshaped([rows, hiddenSize]) }
        let top = layer(state.hidden, layers - 1)
        let first = attentionImage.outFeatures
        let query = attentionState(top).reshaped([items, perItem, first])
        // The grid's share [items, 1, units] broadcasts over each image's rows.
        let scores = attentionScores(attentionHidden((state.keys + query).tanh()).tanh())
        let weights = scores.softmax(axis: 2)
        let context = weights.matmul(state.memory).reshaped([rows, depth])
        let embedded = embedding(IndexTensor(tokens, shape: [rows]))
        var input = Tensor.concat([embedded, context], axis: 1)
        var hiddens: [Tensor] = [], cells: [Tensor] = []
        for (l, cell) in decoder.enumerated() {
            let (h, c) = cell(input, hidden: layer(state.hidden, l), cell: layer(state.cell, l))
            hiddens.append(h)
            cells.append(c)
            input = h
        }
        var after = state
        after.hidden = Tensor.stack(hiddens, axis: 0)
        after.cell = Tensor.stack(cells, axis: 0)
        after.feed = context
        after.lastAttention = weights.reshaped([rows, locations])
        return (Tensor.concat([embedded, input, context], axis: 1), after)
    }

    /// Scores [rows, vocabulary] from a step's features.
    public func logits(_ features: Tensor) -> Tensor {
        output(outputHidden[1](outputHidden[0](features).tanh()).tanh())
    }

    public func decode(_ tokens: [Int32], state: FormulaDecoderState) -> (logits: Tensor, state: FormulaDecoderState) {
        let (features, next) = step(tokens, state: state)
        return (logits(features), next)
    }

    public func callAsFunction(_ images: Tensor, inputs: IndexTensor) -> Tensor {
        teacherForced(from: encode(images), inputs: inputs, step: { step($0, state: $1) }, logits: logits)
    }
}
