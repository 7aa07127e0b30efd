import LemmaDecoding
import LemmaNN
import LemmaTensor

/// An image-to-LaTeX model as the run, the decoding library and the server use it, whatever its
/// architecture (`Im2MarkupModel`, `UntrixModel`): teacher-forced scores for training, and an encoder plus a
/// step function for decoding. Images come in as [B, 1, H, W] with pixels scaled to [0, 1] (paper 1).
public protocol FormulaReader: Module {
    var bos: Int32 { get }
    var eos: Int32 { get }
    var pad: Int32 { get }
    /// Teacher-forced scores [B, T, V] for images [B, 1, H, W] and decoder inputs [B, T] (BOS, then the
    /// target shifted right).
    func callAsFunction(_ images: Tensor, inputs: IndexTensor) -> Tensor
    /// The decoder's starting state for images [B, 1, H, W].
    func encode(_ images: Tensor) -> FormulaDecoderState
    /// One decoding step: scores [rows, V] for the next token, and the state after it (with its attention).
    func decode(_ tokens: [Int32], state: FormulaDecoderState) -> (logits: Tensor, state: FormulaDecoderState)
}

/// What a formula decoder carries between steps. The memory is kept once per image and read by
/// `rowsPerItem` consecutive rows (beams), so reordering beams moves only the recurrent state.
public struct FormulaDecoderState {
    /// [layers, rows, hidden] each.
    public var hidden: Tensor, cell: Tensor
    /// What the next step reads besides the token (im2markup: the attentional output; untrix: the last
    /// context) [rows, width].
    public var feed: Tensor
    /// The grid of image features [items, positions, memory width], and what the attention precomputes from
    /// it once per image (im2markup: W m transposed, [items, hidden, positions]; untrix: the grid's share of
    /// the first attention layer, [items, 1, units]); the grid's height and width (for attention pictures).
    public var memory: Tensor, keys: Tensor
    public var gridHeight: Int, gridWidth: Int
    public var rowsPerItem: Int
    /// The last step's attention [rows, positions].
    public var lastAttention: Tensor?

    /// The state of `rows` (beam search's reordering): recurrent state picked row by row; the memory stays
    /// shared while each image's rows remain together, and is copied per row otherwise.
    public func selecting(rows: [Int]) -> FormulaDecoderState {
        let index = IndexTensor(rows.map { Int32($0) }, shape: [rows.count])
        func pick(_ t: Tensor) -> Tensor { t.transposed(0, 1).indexSelect(index).transposed(0, 1) }
        var picked = self
        picked.hidden = pick(hidden)
        picked.cell = pick(cell)
        picked.feed = feed.indexSelect(index)
        picked.lastAttention = lastAttention.map { $0.indexSelect(index) }
        let items = memory.shape[0]
        if rows.count % items == 0 {
            let perItem = rows.count / items
            if rows.enumerated().allSatisfy({ $0.element / rowsPerItem == $0.offset / perItem }) {
                picked.rowsPerItem = perItem
                return picked
            }
        }
        let owners = IndexTensor(rows.map { Int32($0 / rowsPerItem) }, shape: [rows.count])
        picked.memory = memory.indexSelect(owners)
        picked.keys = keys.indexSelect(owners)
        picked.rowsPerItem = 1
        return picked
    }
}

extension FormulaReader {
    /// The teacher-forced pass both presets share: `step` once per position of `inputs` [B, T] from `start`,
    /// its per-step features stacked, then `logits` applied once to all of them → [B, T, V].
    func teacherForced(from start: FormulaDecoderState, inputs: IndexTensor,
                       step: ([Int32], FormulaDecoderState) -> (Tensor, FormulaDecoderState),
                       logits: (Tensor) -> Tensor) -> Tensor {
        let (batch, steps) = (inputs.shape[0], inputs.shape[1])
        var state = start
        var features: [Tensor] = []
        for t in 0..<steps {
            let (out, next) = step((0..<batch).map { inputs.values[$0 * steps + t] }, state)
            features.append(out)
            state = next
        }
        let width = features[0].shape[1]
        return logits(Tensor.stack(features, axis: 1).reshaped([batch * steps, width])).reshaped([batch, steps, -1])
    }

    public func select(_ state: FormulaDecoderState, rows: [Int]) -> FormulaDecoderState { state.selecting(rows: rows) }

    /// Decodes images [B, 1, H, W] with the decoding library (greedy, or beam search as `options` say).
    public func generate(_ images: Tensor, options: DecodingOptions) throws -> [[Hypothesis]] {
        let decoder = try Decoder(FormulaDecoderStep(model: self), options: options)
        return try decoder.decode(prompts: Array(repeating: [bos], count: images.shape[0]), state: encode(images))
    }
}

/// The decoding library's view of a formula reader.
public struct FormulaDecoderStep: DecoderStep {
    public let model: any FormulaReader
    /// Called with each step's attention [rows, positions] (attention pictures).
    public var onAttention: ((Tensor) -> Void)?

    public init(model: any FormulaReader, onAttention: ((Tensor) -> Void)? = nil) {
        self.model = model
        self.onAttention = onAttention
    }

    public func step(_ tokens: [Int32], state: FormulaDecoderState) throws -> (logits: Tensor, state: FormulaDecoderState) {
        let (logits, next) = model.decode(tokens, state: state)
        if let onAttention, let weights = next.lastAttention { onAttention(weights) }
        return (logits, next)
    }

    public func select(_ state: FormulaDecoderState, rows: [Int]) -> FormulaDecoderState { state.selecting(rows: rows) }
}
