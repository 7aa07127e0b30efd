/// Sums, means, maxima and log-sum-exp over any axes.
extension Tensor {
    /// Sum over one axis, keeping it as size 1.
    func sumKeepingAxis(_ axis: Int) -> Tensor {
        var outShape = shape
        outShape[axis] = 1
        let y = makeOutput(outShape)
        backend.sum(storage, y.storage, axis: AxisSplit(shape: shape, axis: axis))
        guard isRecorded else { return y }
        let inShape = shape
        return y.recorded("sum", [self]) { g in [g.expanded(to: inShape)] }
    }

    /// Sum over `axes` (all when empty is not what you want: use `sum()`).
    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        let resolved = Set(axes.map { normalizeAxis($0, rank: rank, op: "sum") }).sorted(by: >)
        var y = self
        for axis in resolved where shape[axis] != 1 { y = y.sumKeepingAxis(axis) }
        if keepDims { return y.reshaped(resolved.reduce(into: shape) { $0[$1] = 1 }) }
        return y.reshaped(shape.indices.filter { !resolved.contains($0) }.map { shape[$0] })
    }

    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Sum of every element, as a rank-0 tensor.
    public func sum() -> Tensor { reshaped([count]).sum(axes: [0]) }

    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let n = axes.map { shape[normalizeAxis($0, rank: rank, op: "mean")] }.reduce(1, *)
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(n))
    }

    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }
    public func mean() -> Tensor { sum() * (1 / Float(count)) }

    /// Sums a broadcast result back to `target`: the gradient rule of broadcasting.
    public func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for i in target.indices where target[i] == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        return sum(axes: axes, keepDims: true).reshaped(target)
    }

    /// Largest value along `axis` and where it is (the first on ties). The gradient goes to that position.
    public func max(axis: Int, keepDims: Bool = false) -> (values: Tensor, indices: IndexTensor) {
        let axis = normalizeAxis(axis, rank: rank, op: "max")
        guard shape[axis] > 0 else { shapeFailure("max", "axis \(axis) of shape \(describe(shape)) is empty") }
        var keptShape = shape
        keptShape[axis] = 1
        let y = makeOutput(keptShape)
        var positions = [Int32](repeating: 0, count: y.count)
        let split = AxisSplit(shape: shape, axis: axis)
        positions.withUnsafeMutableBufferPointer { backend.max(storage, y.storage, indices: $0.baseAddress, axis: split) }
        let indices = IndexTensor(positions, shape: keptShape)
        let values: Tensor
        if isRecorded {
            let inShape = shape
            values = y.recorded("max", [self]) { g in
                let gx = Tensor.zeros(inShape)
                _ = g.backend.scatterAdd(g.storage, indices: positions, into: gx.storage, axis: split, indexLength: 1)
                return [gx]
            }
        } else {
            values = y
        }
        guard !keepDims else { return (values, indices) }
        var dropped = shape
        dropped.remove(at: axis)
        return (values.reshaped(dropped), indices.reshaped(dropped))
    }

    public func min(axis: Int, keepDims: Bool = false) -> (values: Tensor, indices: IndexTensor) {
        let (values, indices) = (-self).max(axis: axis, keepDims: keepDims)
        return (-values, indices)
    }

    public func argmax(axis: Int, keepDims: Bool = false) -> IndexTensor {
        withNoGrad { max(axis: axis, keepDims: keepDims).indices }
    }

    /// log Σ exp(x) along `axis`, computed stably.
    public func logSumExp(axis: Int, keepDims: Bool = false) -> Tensor {
        let axis = normalizeAxis(axis, rank: rank, op: "logsumexp")
        var keptShape = shape
        keptShape[axis] = 1
        var y = makeOutput(keptShape)
        backend.logSumExp(storage, y.storage, axis: AxisSplit(shape: shape, axis: axis))
        if isRecorded {
            let x = self
            y = y.recorded("logsumexp", [x]) { [unowned y] g in [g * (x - y).exp()] }
        }
        guard !keepDims else { return y }
        var dropped = shape
        dropped.remove(at: axis)
        return y.reshaped(dropped)
    }
}
