import LemmaNN
import LemmaTensor

/// im2markup's convolutional encoder (Deng et al., 2017): six 3×3 convolutions (64, 128, 256, 256, 512, 512
/// channels, padding 1, ReLU), BatchNorm after the third, fifth and sixth, max pooling 2×2, 2×2, then
/// over width only (1×2) after the fourth and over height only (2×1) after the fifth. A grey image
/// [B, 1, H, W] becomes a feature map [B, 512, H/8, W/8] (rounded down at each pool). `widths` scales the
/// channel counts for smaller presets. Keys are nn.Sequential's positions (`cnn.0.weight`, …).
public final class Im2MarkupCNN: Module, UnaryLayer {
    public let layers: Sequential
    public let outputChannels: Int

    public init(widths: [Int] = [64, 128, 256, 256, 512, 512], generator: RandomGenerator? = nil) {
        precondition(widths.count == 6, "Im2MarkupCNN: six channel counts")
        func conv(_ input: Int, _ output: Int) -> Conv2d {
            Conv2d(input, output, kernelSize: 3, padding: 1, generator: generator)
        }
        layers = Sequential([
            conv(1, widths[0]), ReLU(), MaxPool2d(2),
            conv(widths[0], widths[1]), ReLU(), MaxPool2d(2),
            conv(widths[1], widths[2]), BatchNorm(widths[2]), ReLU(),
            conv(widths[2], widths[3]), ReLU(), MaxPool2d([1, 2]),
            conv(widths[3], widths[4]), BatchNorm(widths[4]), ReLU(), MaxPool2d([2, 1]),
            conv(widths[4], widths[5]), BatchNorm(widths[5]), ReLU(),
        ])
        outputChannels = widths[5]
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] { layers.children() }

    public func callAsFunction(_ input: Tensor) -> Tensor { layers(input) }

    /// The feature map's height and width for an image of `height`×`width`.
    public static func featureSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (height / 2 / 2 / 2, width / 2 / 2 / 2)
    }
}

/// im2markup's row encoder: one bidirectional LSTM run along every row of the feature map (shared weights),
/// each row starting from its own learned initial state (row r reads row r of `initialStates`), so the
/// decoder's attention knows which line of the formula a position is on. [B, C, H, W] → [B, H·W, 2·hidden].
/// Keys: `lstm.*` (PyTorch's LSTM), `initial_states.weight` [maxRows, 4·hidden] (h and c, both directions).
public final class RowEncoder: Module {
    public let lstm: LSTM
    public let initialStates: Embedding
    public let hiddenSize: Int

    public init(inputSize: Int, hiddenSize: Int = 256, maxRows: Int = 128, generator: RandomGenerator? = nil) {
        lstm = LSTM(inputSize: inputSize, hiddenSize: hiddenSize, batchFirst: true, bidirectional: true, generator: generator)
        initialStates = Embedding(maxRows, 4 * hiddenSize, generator: generator)
        self.hiddenSize = hiddenSize
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] { [("lstm", lstm), ("initial_states", initialStates)] }

    public var maxRows: Int { initialStates.count }

    public func callAsFunction(_ features: Tensor) -> Tensor {
        let (batch, channels, rows, columns) = (features.shape[0], features.shape[1], features.shape[2], features.shape[3])
        let sequences = features.permuted([0, 2, 3, 1]).reshaped([batch * rows, columns, channels])
        // Row r of every image: [B·H, 4·hidden] → h0, c0 as [2 directions, B·H, hidden]. Rows past the table
        // (a test image taller than every bucket) share its last row's state.
        let rowIDs = IndexTensor((0..<batch).flatMap { _ in (0..<rows).map { Int32(min($0, maxRows - 1)) } }, shape: [batch * rows])
        let initial = initialStates(rowIDs).reshaped([batch * rows, 2, 2, hiddenSize]).permuted([1, 2, 0, 3])
        let h0 = initial.slice(axis: 0, 0..<1).reshaped([2, batch * rows, hiddenSize])
        let c0 = initial.slice(axis: 0, 1..<2).reshaped([2, batch * rows, hiddenSize])
        let (output, _) = lstm(sequences, initialState: RecurrentState(hidden: h0, cell: c0))
        return output.reshaped([batch, rows * columns, 2 * hiddenSize])
    }
}
