/// Shape changes. `reshaped` shares the buffer (so does a transpose that moves only size-1 dims); other
/// transposes, slices, concatenation and expansion copy into contiguous tensors, which keeps every kernel a
/// flat loop.
extension Tensor {
    /// The same elements with a new shape; one dim may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let hole = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != hole }.map(\.element).reduce(1, *)
            guard known > 0, count % known == 0 else {
                shapeFailure("reshape", "cannot reshape \(describe(shape)) to \(describe(newShape))")
            }
            resolved[hole] = count / known
        }
        guard elementCount(resolved) == count, resolved.allSatisfy({ $0 >= 0 }) else {
            shapeFailure("reshape", "cannot reshape \(describe(shape)) (\(count) elements) to \(describe(newShape))")
        }
        if resolved == shape { return self }
        let y = Tensor(shape: resolved, storage: storage)
        guard isRecorded else { return y }
        let inShape = shape
        return y.recorded("reshape", [self]) { g in [g.reshaped(inShape)] }
    }

    /// Inserts a dim of size 1 at `axis`.
    public func unsqueezed(_ axis: Int) -> Tensor {
        var newShape = shape
        newShape.insert(1, at: normalizeAxis(axis, rank: rank + 1, op: "unsqueeze"))
        return reshaped(newShape)
    }

    /// Removes a dim of size 1 at `axis`.
    public func squeezed(_ axis: Int) -> Tensor {
        let axis = normalizeAxis(axis, rank: rank, op: "squeeze")
        guard shape[axis] == 1 else { shapeFailure("squeeze", "dim \(axis) of \(describe(shape)) is not 1") }
        var newShape = shape
        newShape.remove(at: axis)
        return reshaped(newShape)
    }

    /// Reorders dims: output dim i is input dim `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        let order = order.map { normalizeAxis($0, rank: rank, op: "permute") }
        guard order.count == rank, Set(order).count == rank else {
            shapeFailure("permute", "\(order) is not a permutation of the \(rank) dims of \(describe(shape))")
        }
        if order == Array(0..<rank) { return self }
        let outShape = order.map { shape[$0] }
        // Moving only dims of size 1 (a one-step sequence to time-major) keeps every element where it is.
        let moved = order.filter { shape[$0] != 1 }
        if moved == moved.sorted() { return reshaped(outShape) }
        let strides = rowMajorStrides(shape)
        let y = makeOutput(outShape)
        let merged = coalesce(outShape, [order.map { strides[$0] }])
        backend.stridedCopy(storage, offset: 0, strides: merged.strides[0], y.storage, shape: merged.shape)
        guard isRecorded else { return y }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, axis) in order.enumerated() { inverse[axis] = i }
        return y.recorded("permute", [self]) { g in [g.permuted(inverse)] }
    }

    /// Swaps two dims (the last two by default).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(normalizeAxis(a, rank: rank, op: "transpose"), normalizeAxis(b, rank: rank, op: "transpose"))
        return permuted(order)
    }

    /// Elements `range` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = normalizeAxis(axis, rank: rank, op: "slice")
        guard range.lowerBound >= 0, range.upperBound <= shape[axis] else {
            shapeFailure("slice", "range \(range) is outside dim \(axis) of \(describe(shape))")
        }
        var outShape = shape
        outShape[axis] = range.count
        let y = makeOutput(outShape)
        let strides = rowMajorStrides(shape)
        let offset = range.lowerBound * strides[axis]
        if y.count > 0 {
            let merged = coalesce(outShape, [strides])
            backend.stridedCopy(storage, offset: offset, strides: merged.strides[0], y.storage, shape: merged.shape)
        }
        guard isRecorded else { return y }
        let inShape = shape
        return y.recorded("slice", [self]) { g in
            let gx = Tensor.zeros(inShape)
            if g.count > 0 {
                let merged = coalesce(outShape, [strides])
                g.backend.stridedScatter(g.storage, into: gx.storage, offset: offset, strides: merged.strides[0],
                                         shape: merged.shape, accumulate: false)
            }
            return [gx]
        }
    }

    /// Elements `range` along `axis`, with the dims then reordered by `order` (output dim i is dim `order[i]`):
    /// `slice(axis:_:)` followed by `permuted(_:)`, in one copy. Recurrent layers read each step's hidden state
    /// out of the saved states this way.
    public func permuted(_ order: [Int], slicing axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = normalizeAxis(axis, rank: rank, op: "slice")
        let order = order.map { normalizeAxis($0, rank: rank, op: "permute") }
        guard order.count == rank, Set(order).count == rank else {
            shapeFailure("permute", "\(order) is not a permutation of the \(rank) dims of \(describe(shape))")
        }
        guard range.lowerBound >= 0, range.upperBound <= shape[axis] else {
            shapeFailure("slice", "range \(range) is outside dim \(axis) of \(describe(shape))")
        }
        if range == 0..<shape[axis] { return permuted(order) }
        var sliced = shape
        sliced[axis] = range.count
        let strides = rowMajorStrides(shape)
        let offset = range.lowerBound * strides[axis]
        let outShape = order.map { sliced[$0] }
        let merged = coalesce(outShape, [order.map { strides[$0] }])
        let y = makeOutput(outShape)
        if y.count > 0 {
            backend.stridedCopy(storage, offset: offset, strides: merged.strides[0], y.storage, shape: merged.shape)
        }
        guard isRecorded else { return y }
        let source = self
        return y.recorded("slice_permute", [self]) { g in
            guard source.requiresGrad else { return [nil] }
            source.accumulateGradient { gx, accumulate in
                if !accumulate { g.backend.fill(gx.storage, 0) }
                if g.count > 0 {
                    g.backend.stridedScatter(g.storage, into: gx.storage, offset: offset, strides: merged.strides[0],
                                             shape: merged.shape, accumulate: accumulate)
                }
            }
            return [nil]
        }
    }

    /// Joins tensors along `axis`; all other dims must agree.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        guard let first = tensors.first else { shapeFailure("concat", "needs at least one tensor") }
        let axis = normalizeAxis(axis, rank: first.rank, op: "concat")
        for t in tensors where t.rank != first.rank || t.shape.indices.contains(where: { $0 != axis && t.shape[$0] != first.shape[$0] }) {
            shapeFailure("concat", "shapes \(describe(first.shape)) and \(describe(t.shape)) differ outside axis \(axis)")
        }
        var outShape = first.shape
        outShape[axis] = tensors.map { $0.shape[axis] }.reduce(0, +)
        let y = first.makeOutput(outShape)
        let outStrides = rowMajorStrides(outShape)
        var starts: [Int] = []
        var start = 0
        for t in tensors {
            starts.append(start)
            if t.count > 0 {
                let merged = coalesce(t.shape, [outStrides])
                t.backend.stridedScatter(t.storage, into: y.storage, offset: start * outStrides[axis],
                                         strides: merged.strides[0], shape: merged.shape, accumulate: false)
            }
            start += t.shape[axis]
        }
        guard GradMode.isEnabled, tensors.contains(where: \.requiresGrad) else { return y }
        return y.recorded("concat", tensors) { g in
            zip(tensors, starts).map { t, s in t.requiresGrad ? g.slice(axis: axis, s..<(s + t.shape[axis])) : nil }
        }
    }

    /// Stacks equally shaped tensors along a new `axis`.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        guard let first = tensors.first else { shapeFailure("stack", "needs at least one tensor") }
        let axis = normalizeAxis(axis, rank: first.rank + 1, op: "stack")
        return concat(tensors.map { $0.unsqueezed(axis) }, axis: axis)
    }

    /// Repeats size-1 dims (and adds leading dims) to reach `target`, as broadcasting would; a copy.
    public func expanded(to target: [Int]) -> Tensor {
        if target == shape { return self }
        guard broadcastShape(shape, target, op: "expand") == target else {
            shapeFailure("expand", "cannot expand \(describe(shape)) to \(describe(target))")
        }
        let y = makeOutput(target)
        let merged = coalesce(target, [broadcastStrides(shape, to: target)])
        backend.stridedCopy(storage, offset: 0, strides: merged.strides[0], y.storage, shape: merged.shape)
        guard isRecorded else { return y }
        let inShape = shape
        return y.recorded("expand", [self]) { g in [g.summed(toShape: inShape)] }
    }

    /// A contiguous copy that autograd sees as identity.
    public func copied() -> Tensor {
        let y = makeOutput(shape)
        backend.copy(storage, to: y.storage)
        guard isRecorded else { return y }
        return y.recorded("copy", [self]) { g in [g] }
    }
}
