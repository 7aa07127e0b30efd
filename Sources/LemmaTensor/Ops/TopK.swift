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

    /// `topK(k)` along the last axis (k ≤ 64) and each row's log-sum-exp (the same bits as `logSumExp`), each
    /// row fetched from memory once: what a decoder needs of every step's [rows, vocabulary] logits (the best
    /// tokens and their log-probabilities, value − logSumExp). Not differentiable: the results are constants
    /// to autograd.
    public func topKWithLogSumExp(_ k: Int) -> (values: Tensor, indices: IndexTensor, logSumExp: Tensor) {
        let length = shape.last ?? 0
        guard rank >= 1, length > 0, k >= 0, k <= Swift.min(length, 64) else {
            shapeFailure("topKWithLogSumExp", "needs a non-empty last axis and k in 0...min(its size, 64); got k = \(k), shape \(describe(shape))")
        }
        let rows = count / length
        let values = makeOutput(Array(shape.dropLast()) + [k])
        let logSumExp = makeOutput(Array(shape.dropLast()))
        var positions = [Int32](repeating: 0, count: values.count)
        positions.withUnsafeMutableBufferPointer {
            backend.topKWithLogSumExp(storage, values.storage, indices: $0.baseAddress,
                                      logSumExp: logSumExp.storage, k: k, rows: rows, length: length)
        }
        return (values, IndexTensor(positions, shape: values.shape), logSumExp)
    }
}
