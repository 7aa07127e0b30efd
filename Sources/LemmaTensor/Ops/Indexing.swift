/// Row lookups and their scatters: embeddings (`indexSelect`), picking one value per row (`gather`) and
/// accumulating into rows (`scatterAdding`), with PyTorch's semantics.
extension Tensor {
    /// Rows of this tensor (indexed along dim 0) in the order of `indices`: shape indices.shape + shape[1...].
    /// Row `paddingIndex`, if given, gets no gradient (an embedding's padding row).
    public func indexSelect(_ indices: IndexTensor, paddingIndex: Int32? = nil) -> Tensor {
        guard rank >= 1 else { shapeFailure("index_select", "needs a tensor of rank >= 1") }
        let rows = shape[0], rowLength = count / Swift.max(rows, 1)
        let y = makeOutput(indices.shape + shape.dropFirst())
        if let bad = backend.indexSelect(storage, rows: rows, rowLength: rowLength, indices: indices.values, y.storage) {
            shapeFailure("index_select", "index \(indices.values[bad]) at position \(bad) is out of range for \(rows) rows")
        }
        guard isRecorded else { return y }
        let table = self
        return y.recorded("index_select", [self]) { g in
            // Only the rows looked up change: a decoder reading its embedding once per step adds a few rows
            // per step to one gradient, instead of a full-size gradient per step.
            guard table.requiresGrad else { return [nil] }  // frozen since the forward pass
            table.accumulateGradient { gx, accumulate in
                if !accumulate { g.backend.fill(gx.storage, 0) }
                _ = g.backend.indexAdd(g.storage, into: gx.storage, rows: rows, rowLength: rowLength,
                                       indices: indices.values, skipping: paddingIndex)
            }
            return [nil]
        }
    }

    /// torch.gather: y[…, j, …] = x[…, index[…, j, …], …] along `axis`; `index` has this tensor's shape except
    /// along `axis`.
    public func gather(axis: Int, _ index: IndexTensor) -> Tensor {
        let axis = normalizeAxis(axis, rank: rank, op: "gather")
        checkIndexShape(index, axis: axis, op: "gather")
        let split = AxisSplit(shape: shape, axis: axis)
        let y = makeOutput(index.shape)
        if let bad = backend.gather(storage, indices: index.values, y.storage, axis: split, indexLength: index.shape[axis]) {
            shapeFailure("gather", "index \(index.values[bad]) at position \(bad) is out of range for dim \(axis) of size \(shape[axis])")
        }
        guard isRecorded else { return y }
        let inShape = shape
        return y.recorded("gather", [self]) { g in
            let gx = Tensor.zeros(inShape)
            _ = g.backend.scatterAdd(g.storage, indices: index.values, into: gx.storage, axis: split,
                                     indexLength: index.shape[axis])
            return [gx]
        }
    }

    /// torch.scatter_add (out of place): a copy of this tensor with `source` added at `index` along `axis`.
    public func scatterAdding(axis: Int, _ index: IndexTensor, _ source: Tensor) -> Tensor {
        let axis = normalizeAxis(axis, rank: rank, op: "scatter_add")
        checkIndexShape(index, axis: axis, op: "scatter_add")
        guard source.shape == index.shape else {
            shapeFailure("scatter_add", "source \(describe(source.shape)) must have the index's shape \(describe(index.shape))")
        }
        let split = AxisSplit(shape: shape, axis: axis)
        let y = makeOutput(shape)
        backend.copy(storage, to: y.storage)
        if let bad = backend.scatterAdd(source.storage, indices: index.values, into: y.storage, axis: split,
                                        indexLength: index.shape[axis]) {
            shapeFailure("scatter_add", "index \(index.values[bad]) at position \(bad) is out of range for dim \(axis) of size \(shape[axis])")
        }
        guard recording(self, source) else { return y }
        let base = self
        return y.recorded("scatter_add", [base, source]) { g in
            [g, source.requiresGrad ? g.gather(axis: axis, index) : nil]
        }
    }

    private func checkIndexShape(_ index: IndexTensor, axis: Int, op: StaticString) {
        guard index.shape.count == rank,
              index.shape.indices.allSatisfy({ $0 == axis || index.shape[$0] == shape[$0] }) else {
            shapeFailure(op, "index shape \(describe(index.shape)) must match \(describe(shape)) outside axis \(axis)")
        }
    }
}
