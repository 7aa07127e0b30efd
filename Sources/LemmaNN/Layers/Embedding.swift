import LemmaTensor

/// A lookup table of vectors, one row per token id (key `weight`). The padding row, if any, starts at zero
/// and never receives gradient; a frozen table (pretrained vectors) gets no gradient at all.
public final class Embedding: Module {
    public let weight: Tensor
    public let paddingIndex: Int?

    /// N(0, 1) rows, as PyTorch initializes them.
    public init(_ count: Int, _ dimension: Int, paddingIndex: Int? = nil, generator: RandomGenerator? = nil) {
        weight = Tensor.normal([count, dimension], generator: generator)
        self.paddingIndex = paddingIndex
        super.init()
        if let paddingIndex {
            precondition((0..<count).contains(paddingIndex), "Embedding: padding index \(paddingIndex) is outside 0..<\(count)")
            weight.withUnsafeMutableBufferPointer { rows in
                for j in 0..<dimension { rows[paddingIndex * dimension + j] = 0 }
            }
        }
        weight.requiresGrad = true
    }

    /// A table of given vectors, e.g. GloVe; frozen by default, as most pretrained-embedding setups use them.
    public init(pretrained: Tensor, freeze: Bool = true, paddingIndex: Int? = nil) {
        precondition(pretrained.rank == 2, "Embedding: pretrained vectors must be a [count, dimension] matrix, got \(pretrained.shape)")
        weight = pretrained.copied()
        self.paddingIndex = paddingIndex
        super.init()
        weight.requiresGrad = !freeze
    }

    public var count: Int { weight.shape[0] }
    public var dimension: Int { weight.shape[1] }

    /// Vectors for `ids`: shape ids.shape + [dimension].
    public func callAsFunction(_ ids: IndexTensor) -> Tensor {
        weight.indexSelect(ids, paddingIndex: paddingIndex.map { Int32($0) })
    }
}
