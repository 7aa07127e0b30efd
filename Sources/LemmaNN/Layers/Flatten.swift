import LemmaTensor

/// Merges dims `startDim…endDim` into one (PyTorch's `nn.Flatten`, default: all but the batch dim).
public final class Flatten: Module, UnaryLayer {
    public let startDim: Int, endDim: Int

    public init(startDim: Int = 1, endDim: Int = -1) {
        self.startDim = startDim
        self.endDim = endDim
        super.init()
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let start = startDim < 0 ? startDim + input.rank : startDim
        let end = endDim < 0 ? endDim + input.rank : endDim
        precondition(start >= 0 && start <= end && end < input.rank, "flatten: dims \(startDim)...\(endDim) are invalid for shape \(input.shape)")
        let merged = input.shape[start...end].reduce(1, *)
        return input.reshaped(Array(input.shape[..<start]) + [merged] + Array(input.shape[(end + 1)...]))
    }
}
