import LemmaTensor

/// The order of examples in an epoch, as batches of dataset indices. Deterministic given the seed and the
/// epoch, on every machine. Only indices are held (4 bytes per example), never the examples themselves.
public struct BatchSampler: Sendable {
    public enum Order: Sendable, Equatable {
        /// Dataset order.
        case sequential
        /// A fresh permutation each epoch.
        case shuffled
        /// Examples grouped by length into buckets of these upper bounds (im2latex-style), batches drawn
        /// within a bucket so padding is small; batch order shuffled each epoch.
        case bucketed(bounds: [Int])
        /// fastai's `SortishSampler` (training): a permutation cut into chunks of 50 batches, each chunk sorted
        /// longest first, cut into batches; the batch holding the longest example goes first (so memory peaks
        /// at once), the others follow in random order.
        case sortish
        /// fastai's `SortSampler` (evaluation): longest first, ties in dataset order.
        case sortedByLength
    }

    public let batchSize: Int
    public let order: Order
    public let seed: UInt64
    public let dropLast: Bool

    public init(batchSize: Int, order: Order = .shuffled, seed: UInt64 = 0, dropLast: Bool = false) {
        precondition(batchSize > 0, "BatchSampler: batch size must be positive")
        self.batchSize = batchSize
        self.order = order
        self.seed = seed
        self.dropLast = dropLast
    }

    /// The batches of `epoch` over `count` examples; `length(i)` is needed for bucketing.
    public func batches(count: Int, epoch: Int, length: (Int) -> Int = { _ in 0 }) -> [[Int]] {
        let generator = RandomGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
        switch order {
        case .sequential:
            return chunk(Array(0..<count))
        case .shuffled:
            var indices = Array(0..<count)
            shuffle(&indices, generator)
            return chunk(indices)
        case .bucketed(let bounds):
            let sortedBounds = bounds.sorted()
            var buckets = [[Int]](repeating: [], count: sortedBounds.count + 1)
            for i in 0..<count {
                let n = length(i)
                buckets[sortedBounds.firstIndex { n <= $0 } ?? sortedBounds.count].append(i)
            }
            var batches: [[Int]] = []
            for var bucket in buckets where !bucket.isEmpty {
                shuffle(&bucket, generator)
                batches += chunk(bucket)
            }
            shuffle(&batches, generator)
            return batches
        case .sortish:
            var indices = Array(0..<count)
            shuffle(&indices, generator)
            let chunkSize = batchSize * 50
            let sorted = stride(from: 0, to: count, by: chunkSize).flatMap { start in
                Self.longestFirst(Array(indices[start..<min(start + chunkSize, count)]), length)
            }
            var batches = chunk(sorted)
            guard batches.count > 1 else { return batches }
            // Batches start with their longest example: the one whose first is longest goes first.
            let longest = batches.indices.max { length(batches[$0][0]) < length(batches[$1][0]) }!  // the first, as np.argmax
            batches.swapAt(0, longest)
            var rest = Array(batches[1...])
            shuffle(&rest, generator)
            return [batches[0]] + rest
        case .sortedByLength:
            return chunk(Self.longestFirst(Array(0..<count), length))
        }
    }

    /// `indices` by length, longest first; equal lengths keep their order (Python's stable sort).
    private static func longestFirst(_ indices: [Int], _ length: (Int) -> Int) -> [Int] {
        indices.enumerated().sorted { (length($1.element), $0.offset) < (length($0.element), $1.offset) }.map(\.element)
    }

    private func chunk(_ indices: [Int]) -> [[Int]] {
        stride(from: 0, to: indices.count, by: batchSize).compactMap { start in
            let end = min(start + batchSize, indices.count)
            return dropLast && end - start < batchSize ? nil : Array(indices[start..<end])
        }
    }

    /// Fisher–Yates with the portable generator (Swift's own shuffle is not reproducible across versions).
    private func shuffle<T>(_ values: inout [T], _ generator: RandomGenerator) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(i, generator.nextInt(below: i + 1))
        }
    }
}

extension TokenDataset {
    /// The batches of one epoch, collated.
    public func batches(sampler: BatchSampler, collator: Collator, epoch: Int) -> [Batch] {
        sampler.batches(count: count, epoch: epoch, length: length).map { batch(indices: $0, collator: collator) }
    }

    public func batch(indices: [Int], collator: Collator) -> Batch {
        let labelValues = indices.map { label($0) }
        let labels = labelValues.contains(nil) ? nil : labelValues.map { $0! }
        return collator.collate(indices.map(tokenIDs), labels: labels, indices: indices)
    }
}
