import LemmaData
import LemmaTrain

/// A prepared (memory-mapped) dataset as the trainer's batch source: batches are collated on demand, so only
/// the current batch is ever in memory.
public struct TokenDatasetSource: BatchSource {
    public let dataset: TokenDataset
    public let collator: Collator

    public init(_ dataset: TokenDataset, collator: Collator) {
        self.dataset = dataset
        self.collator = collator
    }

    public var count: Int { dataset.count }
    public func length(of index: Int) -> Int { dataset.length(index) }
    public func batch(_ indices: [Int]) -> Batch { dataset.batch(indices: indices, collator: collator) }
}
