import LemmaTensor

/// The keys and values a self-attention layer has seen so far, per head ([B, heads, length, head size]),
/// so a decoder generating one token at a time projects each token once and attends over all of them.
/// Transformer decoders (the seq2seq preset, GPT-2) keep one per layer in their decoding state.
public struct KeyValueCache {
    public private(set) var keys: Tensor?, values: Tensor?

    public init() {}

    /// The tokens so far.
    public var length: Int { keys?.shape[2] ?? 0 }

    /// Appends the newest tokens' keys and values and returns everything cached.
    public mutating func append(keys newKeys: Tensor, values newValues: Tensor) -> (keys: Tensor, values: Tensor) {
        let k = keys.map { Tensor.concat([$0, newKeys], axis: 2) } ?? newKeys
        let v = values.map { Tensor.concat([$0, newValues], axis: 2) } ?? newValues
        (keys, values) = (k, v)
        return (k, v)
    }

    /// Rows `index` of the batch, in that order (beam search).
    public func selecting(_ index: IndexTensor) -> KeyValueCache {
        var selected = KeyValueCache()
        selected.keys = keys?.indexSelect(index)
        selected.values = values?.indexSelect(index)
        return selected
    }
}
