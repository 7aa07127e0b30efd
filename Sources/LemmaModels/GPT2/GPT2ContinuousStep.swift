import LemmaDecoding
import LemmaNN
import LemmaTensor

/// GPT-2 for continuous batching: every sequence keeps its own key/value caches and position, the linear
/// layers run on all sequences' newest tokens at once, and attention runs on each sequence's own cache.
public struct GPT2ContinuousStep: ContinuousDecoderStep {
    public let model: GPT2Model

    public init(_ model: GPT2Model) { self.model = model }

    public var maxSequenceLength: Int? { model.configuration.maxPositions }

    public func start(prompt: [Int32]) throws -> GPT2Model.State {
        guard !prompt.isEmpty else { throw DecodingOptionsError("a prompt needs at least one token") }
        guard prompt.count < model.configuration.maxPositions else {
            throw DecodingOptionsError("the prompt has \(prompt.count) tokens; GPT-2 reads at most \(model.configuration.maxPositions - 1) before generating")
        }
        guard prompt.count > 1 else { return model.emptyState }
        return model.extend(IndexTensor(Array(prompt.dropLast()), shape: [1, prompt.count - 1]), state: model.emptyState).state
    }

    public func step(_ tokens: [Int32], states: inout [GPT2Model.State]) throws -> Tensor {
        precondition(tokens.count == states.count && !tokens.isEmpty, "GPT2ContinuousStep: one token per sequence")
        if let full = states.first(where: { $0.position >= model.configuration.maxPositions }) {
            throw DecodingOptionsError("a sequence reached GPT-2's \(full.position) positions (n_positions)")
        }
        return model.extendEach(tokens, states: &states)
    }
}

extension GPT2Model {
    /// One new token for each of several independent sequences, each after the positions of its own state:
    /// scores [sequences, vocabulary].
    public func extendEach(_ tokens: [Int32], states: inout [State]) -> Tensor {
        let count = tokens.count
        let positions = IndexTensor(states.map { Int32($0.position) }, shape: [count, 1])
        var x = transformer.dropout(transformer.tokens(IndexTensor(tokens, shape: [count, 1])) + transformer.positions(positions))
        for (layer, block) in transformer.blocks.enumerated() {
            var caches = states.map { $0.caches[layer] }
            x = block.stepEach(x, caches: &caches)
            for row in 0..<count { states[row].caches[layer] = caches[row] }
        }
        for row in 0..<count { states[row].position += 1 }
        return transformer.finalNorm(x).linear(weight: tokenEmbedding).reshaped([count, -1])
    }
}

extension GPT2Block {
    /// One new position for each of several sequences [sequences, 1, E], each with its own cache.
    func stepEach(_ x: Tensor, caches: inout [KeyValueCache]) -> Tensor {
        let h = x + attention.stepEach(norm1(x), caches: &caches)
        return h + feedForward(norm2(h))
    }
}

extension GPT2Attention {
    /// Queries, keys and values of all sequences in one projection; attention over each one's own cache.
    func stepEach(_ x: Tensor, caches: inout [KeyValueCache]) -> Tensor {
        let count = x.shape[0], width = x.shape[2]
        let (q, k, v) = projectHeads(x)
        var attended: [Tensor] = []
        for row in 0..<count {
            let all = caches[row].append(keys: k.slice(axis: 0, row..<(row + 1)), values: v.slice(axis: 0, row..<(row + 1)))
            attended.append(causalAttention(query: q.slice(axis: 0, row..<(row + 1)), key: all.keys, value: all.values,
                                            dropout: nil, scale: scaleWeights ? nil : 1))
        }
        let merged = Tensor.concat(attended, axis: 0).permuted([0, 2, 1, 3]).reshaped([count, 1, width])
        return residualDropout(projection(merged))
    }
}
