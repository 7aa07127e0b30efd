import LemmaNN
import LemmaTensor

/// fastai course-nlp 7b's `Seq2SeqRNN_attn`, the attention version of seed 002's model: a bidirectional
/// 2-layer GRU encoder (dropout .25) over the source embedding (dropout .15); its final states through
/// Linear(2·hidden → decoder width, no bias) start the decoder; each decoder step attends over all encoder
/// outputs with additive (Bahdanau) attention, vᵀ tanh(W_e enc + W_h h + b), from the top decoder layer's
/// state, and feeds [target embedding; context] to a 2-layer GRU (dropout .1) → dropout .35 → the output
/// layer tied to the decoder embedding. PyTorch's keys: `emb_enc`, `gru_enc`, `out_enc`, `emb_dec`,
/// `gru_dec`, `out.bias`, `enc_att`, `hid_att`, `V`. Like the course, attention covers padded source
/// positions too (no mask), so a batch's padding shapes its scores exactly as it does there.
public final class Seq2SeqAttentionGRU: Module, Seq2SeqModel {
    public let encoderEmbedding: Embedding, decoderEmbedding: Embedding
    public let encoder: GRU, decoder: GRU
    /// Encoder final states → decoder initial states.
    public let bridge: Linear
    /// Attention: encoder outputs and decoder state into one space, and the vector that scores it.
    public let encoderAttention: Linear, hiddenAttention: Linear
    public let attentionVector: Tensor
    public let outputBias: Tensor
    public let encoderDropout: Dropout, outputDropout: Dropout
    public let bos: Int32, pad: Int32
    let layers: Int, hiddenSize: Int

    public init(encoderEmbedding: Embedding, decoderEmbedding: Embedding, hiddenSize: Int = 256, layers: Int = 2,
                bos: Int32 = 0, pad: Int32 = 1, generator: RandomGenerator? = nil) {
        self.encoderEmbedding = encoderEmbedding
        self.decoderEmbedding = decoderEmbedding
        let width = decoderEmbedding.dimension
        encoder = GRU(inputSize: encoderEmbedding.dimension, hiddenSize: hiddenSize, numLayers: layers, batchFirst: true,
                      dropout: 0.25, bidirectional: true, generator: generator)
        bridge = Linear(2 * hiddenSize, width, bias: false, generator: generator)
        decoder = GRU(inputSize: width + 2 * hiddenSize, hiddenSize: width, numLayers: layers, batchFirst: true, dropout: 0.1,
                      generator: generator)
        encoderAttention = Linear(2 * hiddenSize, width, bias: false, generator: generator)
        hiddenAttention = Linear(width, width, generator: generator)
        // The course's init_param: standard normal / sqrt(size).
        attentionVector = Tensor.normal([width], std: 1 / Float(width).squareRoot(), generator: generator)
        attentionVector.requiresGrad = true
        outputBias = tiedOutputBias(vocabulary: decoderEmbedding.count, width: width, generator: generator)
        encoderDropout = Dropout(0.15)
        outputDropout = Dropout(0.35)
        self.bos = bos
        self.pad = pad
        self.layers = layers
        self.hiddenSize = hiddenSize
        super.init()
    }

    public override func ownParameters() -> [(key: String, tensor: Tensor)] { [("out.bias", outputBias), ("V", attentionVector)] }

    public override func children() -> [(key: String, module: Module)] {
        [("emb_enc", encoderEmbedding), ("gru_enc", encoder), ("out_enc", bridge), ("emb_dec", decoderEmbedding),
         ("gru_dec", decoder), ("enc_att", encoderAttention), ("hid_att", hiddenAttention),
         ("emb_enc_drop", encoderDropout), ("out_drop", outputDropout)]
    }

    /// The decoder's state and what every step attends over. The encoder's outputs are kept once per source
    /// item, with `rowsPerItem` consecutive decoder rows (beams, samples) reading each: reordering beams
    /// then moves only the hidden states, not a copy of every source's outputs per beam.
    public struct State {
        /// [layers, rows, decoder width]
        public var hidden: Tensor
        /// Encoder outputs [items, S, 2·hidden] and their attention projection [items, S, decoder width].
        public var encoderOutput: Tensor, encoderKeys: Tensor
        public var rowsPerItem: Int
        /// The tied output weight as [width, vocabulary], copied once per batch (`linear(weight:copyInOut:)`);
        /// nil for small batches.
        public let outputWeightInOut: Tensor?
    }

    public func encode(_ source: IndexTensor) -> State {
        let batch = source.shape[0]
        let (output, final) = encoder(encoderDropout(encoderEmbedding(source)))
        // The course reads PyTorch's [layers·2, B, h] final states as [2, layers, B, h] (view(2, nl, bs, nh)) and
        // puts the "2" beside h: decoder layer l starts from final states l and l + layers, whatever their
        // layer and direction. Done the same way here, so trained weights mean the same thing.
        let paired = final.hidden.reshaped([2, layers, batch, hiddenSize]).permuted([1, 2, 0, 3])
            .reshaped([layers, batch, 2 * hiddenSize])
        return State(hidden: bridge(paired), encoderOutput: output, encoderKeys: encoderAttention(output), rowsPerItem: 1,
                     outputWeightInOut: tiedOutputWeightInOut(decoderEmbedding, rows: batch))
    }

    public func decodeFeatures(_ tokens: [Int32], state: State) -> (features: Tensor, state: State) {
        let rows = tokens.count, items = state.encoderOutput.shape[0], perItem = state.rowsPerItem
        let length = state.encoderOutput.shape[1], width = decoderEmbedding.dimension
        let top = state.hidden.slice(axis: 0, (layers - 1)..<layers).reshaped([items, perItem, 1, width])
        // [items, rows per item, S, width]: each row's query against its own item's keys.
        let energy = (state.encoderKeys.unsqueezed(1) + hiddenAttention(top)).tanh()
        let weights = energy.matmul(attentionVector.reshaped([width, 1])).reshaped([items, perItem, length]).softmax(axis: 2)
        let context = weights.matmul(state.encoderOutput).reshaped([rows, 2 * hiddenSize])
        let embedded = decoderEmbedding(IndexTensor(tokens, shape: [rows])).reshaped([rows, width])
        let input = Tensor.concat([embedded, context], axis: 1).unsqueezed(1)
        let (output, next) = decoder(input, initialState: RecurrentState(hidden: state.hidden))
        var after = state
        after.hidden = next.hidden
        return (outputDropout(output.reshaped([rows, width])), after)
    }

    public func project(_ features: Tensor, state: State) -> Tensor {
        tiedOutput(features, embedding: decoderEmbedding, copyInOut: state.outputWeightInOut, bias: outputBias)
    }

    public func select(_ state: State, rows: [Int]) -> State {
        let index = IndexTensor(rows.map { Int32($0) }, shape: [rows.count])
        let hidden = state.hidden.transposed(0, 1).indexSelect(index).transposed(0, 1)
        let items = state.encoderOutput.shape[0]
        // Beam search widens a batch here (items × beams rows): the copy pays once the rows reach the threshold.
        let copy = state.outputWeightInOut ?? tiedOutputWeightInOut(decoderEmbedding, rows: rows.count)
        // Rows in equal blocks per item (beams of one item together, as beam search keeps them) share their
        // item's outputs: kept as they are while every item stays, cut to the items left when decoding drops
        // finished ones — a copy of the items' outputs, not one per row.
        if let (kept, perItem) = Self.itemBlocks(rows.map { $0 / state.rowsPerItem }) {
            if kept == Array(0..<items) {
                return State(hidden: hidden, encoderOutput: state.encoderOutput, encoderKeys: state.encoderKeys, rowsPerItem: perItem,
                             outputWeightInOut: copy)
            }
            let index = IndexTensor(kept.map { Int32($0) }, shape: [kept.count])
            return State(hidden: hidden, encoderOutput: state.encoderOutput.indexSelect(index),
                         encoderKeys: state.encoderKeys.indexSelect(index), rowsPerItem: perItem, outputWeightInOut: copy)
        }
        let owners = IndexTensor(rows.map { Int32($0 / state.rowsPerItem) }, shape: [rows.count])
        return State(hidden: hidden, encoderOutput: state.encoderOutput.indexSelect(owners),
                     encoderKeys: state.encoderKeys.indexSelect(owners), rowsPerItem: 1,
                     outputWeightInOut: copy)
    }

    /// When `owners` (each row's item) runs in blocks of one length, each block a different item: those items
    /// in order and the block length.
    static func itemBlocks(_ owners: [Int]) -> (items: [Int], perItem: Int)? {
        guard let first = owners.first else { return nil }
        let perItem = owners.prefix { $0 == first }.count
        guard owners.count % perItem == 0 else { return nil }
        let items = stride(from: 0, to: owners.count, by: perItem).map { owners[$0] }
        for (block, item) in items.enumerated() where owners[(block * perItem)..<((block + 1) * perItem)].contains(where: { $0 != item }) {
            return nil
        }
        return Set(items).count == items.count ? (items, perItem) : nil
    }
}
