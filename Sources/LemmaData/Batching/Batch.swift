import LemmaTensor

/// A padded batch of token sequences: what a model's forward pass takes.
public struct Batch {
    /// [B, L] token ids, padded with the pad id.
    public let ids: IndexTensor
    /// [B, L]: 1 for real tokens, 0 for padding.
    public let attentionMask: Tensor
    /// Real length of each sequence (after truncation).
    public let lengths: [Int]
    /// [B] label indices, when the examples have labels.
    public let labels: IndexTensor?
    /// Which examples of the dataset these are, in order.
    public let indices: [Int]
}

/// Pads (and truncates) sequences into a `Batch`: to the longest sequence in the batch (dynamic padding),
/// or always to `maxLength` for models that need a fixed length (seed 000's MLP over 480 tokens).
public struct Collator: Sendable {
    public var padID: Int32
    public var maxLength: Int?
    public var padToMaxLength: Bool
    /// Keep the end of long sequences instead of the start.
    public var truncateFromStart: Bool
    /// Round the padded width up to a multiple of this (Hugging Face's `pad_to_multiple_of`, at most
    /// `maxLength`): a server sees a few shapes instead of one per length, so kernels built per shape
    /// (oneDNN's convolutions) are built once and stay cached. Padding is masked, so outputs do not change.
    public var padToMultipleOf: Int?

    public init(padID: Int32, maxLength: Int? = nil, padToMaxLength: Bool = false, truncateFromStart: Bool = false) {
        precondition(!padToMaxLength || maxLength != nil, "Collator: padToMaxLength needs a maxLength")
        self.padID = padID
        self.maxLength = maxLength
        self.padToMaxLength = padToMaxLength
        self.truncateFromStart = truncateFromStart
    }

    public func collate(_ sequences: [UnsafeBufferPointer<Int32>], labels: [Int]?, indices: [Int]) -> Batch {
        let kept = sequences.map { s -> UnsafeBufferPointer<Int32> in
            guard let maxLength, s.count > maxLength else { return s }
            return UnsafeBufferPointer(rebasing: truncateFromStart ? s[(s.count - maxLength)...] : s[..<maxLength])
        }
        let lengths = kept.map(\.count)
        var width = padToMaxLength ? maxLength! : max(lengths.max() ?? 0, 1)
        if let multiple = padToMultipleOf, multiple > 1, !padToMaxLength {
            width = (width + multiple - 1) / multiple * multiple
            if let maxLength { width = min(width, maxLength) }  // sequences are already cut to maxLength
        }
        var ids = [Int32](repeating: padID, count: kept.count * width)
        var mask = [Float](repeating: 0, count: kept.count * width)
        for (row, sequence) in kept.enumerated() {
            for (column, id) in sequence.enumerated() {
                ids[row * width + column] = id
                mask[row * width + column] = 1
            }
        }
        return Batch(ids: IndexTensor(ids, shape: [kept.count, width]),
                     attentionMask: Tensor(mask, shape: [kept.count, width]), lengths: lengths,
                     labels: labels.map { IndexTensor($0.map { Int32($0) }, shape: [$0.count]) }, indices: indices)
    }

    public func collate(_ sequences: [[Int32]], labels: [Int]? = nil) -> Batch {
        let copies = sequences.map { s -> UnsafeMutableBufferPointer<Int32> in
            let buffer = UnsafeMutableBufferPointer<Int32>.allocate(capacity: s.count)
            _ = buffer.initialize(from: s)
            return buffer
        }
        defer { copies.forEach { $0.deallocate() } }
        return collate(copies.map { UnsafeBufferPointer($0) }, labels: labels, indices: Array(sequences.indices))
    }
}
