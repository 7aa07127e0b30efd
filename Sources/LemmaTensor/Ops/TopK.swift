/// torch.topk: the k largest values along an axis and where they are.
extension Tensor {
    /// The `k` largest values along `axis`, largest first, with their positions; the axis's length becomes k.
    /// A NaN ranks above every number; equal values come in index order (the first of a tie first), so the
    /// choice is the same on every backend and run. The gradient goes to the chosen positions.
    public func topK(_ k: Int, axis: Int = -1) -> (values: Tensor, indices: IndexTensor) {
        let axis = normalizeAxis(axis, rank: rank, op: "topk")
        guard k >= 0, k <= shape[axis] else {
            shapeFailure("topk", "k = \(k) is outside 0...\(shape[axis]), the size of axis \(axis) of shape \(describe(shape))")
        }
        var keptShape = shape
        keptShape[axis] = k
        let values = makeOutput(keptShape)
        var positions = [Int32](repeating: 0, count: values.count)
        let split = AxisSplit(shape: shape, axis: axis)
        if !positions.isEmpty {
            positions.withUnsafeMutableBufferPointer {
                backend.topK(storage, values.storage, indices: $0.baseAddress!, k: k, axis: split)
            }
        }
        let indices = IndexTensor(positions, shape: keptShape)
        guard isRecorded else { return (values, indices) }
        let inShape = shape
        let recorded = values.recorded("topk", [self]) { g in
            let gx = Tensor.zeros(inShape)
            _ = g.backend.scatterAdd(g.storage, indices: positions, into: gx.storage, axis: split, indexLength: k)
            return [gx]
        }
        return (recorded, indices)
    }
}
