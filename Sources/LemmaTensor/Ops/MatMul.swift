/// Matrix products through the backend's GEMM. Transposed operands are passed as GEMM flags, never copied.
extension Tensor {
    /// C[b] = op(A[b]) op(B[b]) for `batch` matrices; a batch stride of 0 reuses one matrix for all.
    /// A[b] is m×k (k×m when transposed), B[b] is k×n (n×k when transposed).
    static func gemm(_ a: Tensor, transposed transA: Bool, batchStrideA: Int,
                     _ b: Tensor, transposed transB: Bool, batchStrideB: Int,
                     batch: Int, m: Int, n: Int, k: Int, into c: Tensor, accumulate: Bool = false) {
        a.backend.gemmBatched(a.storage, batchStride: batchStrideA, transposed: transA, lda: transA ? m : k,
                              b.storage, batchStride: batchStrideB, transposed: transB, ldb: transB ? k : n,
                              c.storage, batchStride: m * n, ldc: n, m: m, n: n, k: k, batch: batch,
                              alpha: 1, beta: accumulate ? 1 : 0)
    }

    /// Matrix product with PyTorch's `matmul` semantics: 1-D operands are vectors, trailing two dims are
    /// matrices, leading dims broadcast as batch dims.
    public func matmul(_ other: Tensor) -> Tensor {
        let a = self, b = other
        guard a.rank >= 1, b.rank >= 1 else { shapeFailure("matmul", "needs tensors of rank >= 1, got \(describe(a.shape)) and \(describe(b.shape))") }
        if a.rank == 1 { return a.unsqueezed(0).matmul(b).squeezed(-2) }
        if b.rank == 1 { return a.matmul(b.unsqueezed(1)).squeezed(-1) }
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
        guard b.shape[b.rank - 2] == k else {
            shapeFailure("matmul", "inner dims differ: \(describe(a.shape)) × \(describe(b.shape))")
        }
        if b.rank == 2 { return a.matmulSharedRight(b, rows: a.count / Swift.max(k, 1), k: k, n: n) }
        let batchShape = broadcastShape(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)), op: "matmul")
        let a3 = a.expanded(to: batchShape + [m, k]), b3 = b.expanded(to: batchShape + [k, n])
        let batch = elementCount(batchShape)
        let y = a.makeOutput(batchShape + [m, n])
        Tensor.gemm(a3, transposed: false, batchStrideA: m * k, b3, transposed: false, batchStrideB: k * n,
             batch: batch, m: m, n: n, k: k, into: y)
        guard recording(a3, b3) else { return y }
        return y.recorded("matmul", [a3, b3]) { g in
            var ga: Tensor?
            if a3.requiresGrad {
                ga = a3.makeOutput(a3.shape)
                Tensor.gemm(g, transposed: false, batchStrideA: m * n, b3, transposed: true, batchStrideB: k * n,
                     batch: batch, m: m, n: k, k: n, into: ga!)
            }
            if b3.requiresGrad { b3.accumulateProduct(a3, g, batch: batch, rows: m, m: k, n: n) }
            return [ga, nil]
        }
    }

    /// [..., k] × [k, n]: the leading dims fold into the rows of one GEMM.
    private func matmulSharedRight(_ b: Tensor, rows: Int, k: Int, n: Int) -> Tensor {
        let a = self
        let y = a.makeOutput(Array(a.shape.dropLast()) + [n])
        Tensor.gemm(a, transposed: false, batchStrideA: 0, b, transposed: false, batchStrideB: 0,
                    batch: 1, m: rows, n: n, k: k, into: y)
        guard recording(a, b) else { return y }
        return y.recorded("matmul", [a, b]) { g in
            var ga: Tensor?
            if a.requiresGrad {
                ga = a.makeOutput(a.shape)
                Tensor.gemm(g, transposed: false, batchStrideA: 0, b, transposed: true, batchStrideB: 0,
                            batch: 1, m: rows, n: k, k: n, into: ga!)
            }
            if b.requiresGrad { b.accumulateProduct(a, g, batch: 1, rows: rows, m: k, n: n) }
            return [ga, nil]
        }
    }

    /// x Wᵀ + b with W stored [out, in] as in PyTorch's `nn.Linear`: one GEMM onto the broadcast bias.
    public func linear(weight: Tensor, bias: Tensor? = nil) -> Tensor {
        linearProduct(weight: weight, bias: bias, weightIsInOut: false)
    }

    /// x W + b with W stored [in, out], as Hugging Face's GPT-2 `Conv1D` keeps its weights: the same single
    /// GEMM with the other transpose flag, so checkpoints load without transposing anything.
    public func linear(weightInOut weight: Tensor, bias: Tensor? = nil) -> Tensor {
        linearProduct(weight: weight, bias: bias, weightIsInOut: true)
    }

    /// x Wᵀ + b for a weight W [out, in] that the caller also holds as a contiguous [in, out] copy `weightCopy`
    /// with the same values (made once, e.g. per decoded batch, while W does not change). The forward product
    /// reads the copy and the input gradient reads W, so neither GEMM takes a transposed right operand — for a
    /// few rows against a large weight (a decoder's output layer, one step at a time) oneDNN runs those at
    /// about 60% of the untransposed rate. The gradient goes to `weight`; the copy gets none.
    public func linear(weight: Tensor, copyInOut weightCopy: Tensor, bias: Tensor? = nil) -> Tensor {
        guard weightCopy.shape == weight.shape.reversed() else {
            shapeFailure("linear", "copy \(describe(weightCopy.shape)) is not the [in, out] layout of weight \(describe(weight.shape))")
        }
        return linearProduct(weight: weight, bias: bias, weightIsInOut: false, forwardWeightInOut: weightCopy)
    }

    private func linearProduct(weight: Tensor, bias: Tensor?, weightIsInOut inOut: Bool,
                               forwardWeightInOut copy: Tensor? = nil) -> Tensor {
        let x = self
        let inAxis = inOut ? 0 : 1
        guard weight.rank == 2, x.rank >= 1, x.shape[x.rank - 1] == weight.shape[inAxis] else {
            shapeFailure("linear", "input \(describe(x.shape)) does not match weight \(describe(weight.shape))\(inOut ? " (stored [in, out])" : "")")
        }
        let inFeatures = weight.shape[inAxis], outFeatures = weight.shape[1 - inAxis]
        if let bias, bias.shape != [outFeatures] {
            shapeFailure("linear", "bias \(describe(bias.shape)) does not match weight \(describe(weight.shape))")
        }
        let rows = x.count / Swift.max(inFeatures, 1)
        let y = x.makeOutput(Array(x.shape.dropLast()) + [outFeatures])
        if let bias {
            x.backend.stridedCopy(bias.storage, offset: 0, strides: [0, 1], y.storage, shape: [rows, outFeatures])
        }
        Tensor.gemm(x, transposed: false, batchStrideA: 0, copy ?? weight, transposed: !inOut && copy == nil, batchStrideB: 0,
                    batch: 1, m: rows, n: outFeatures, k: inFeatures, into: y, accumulate: bias != nil)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        guard GradMode.isEnabled, inputs.contains(where: \.requiresGrad) else { return y }
        return y.recorded("linear", inputs) { g in
            var grads: [Tensor?] = [nil, nil, nil]
            if x.requiresGrad {
                let gx = x.makeOutput(x.shape)
                Tensor.gemm(g, transposed: false, batchStrideA: 0, weight, transposed: inOut, batchStrideB: 0,
                            batch: 1, m: rows, n: inFeatures, k: outFeatures, into: gx)
                grads[0] = gx
            }
            if weight.requiresGrad {
                if inOut {
                    weight.accumulateProduct(x, g, batch: 1, rows: rows, m: inFeatures, n: outFeatures)
                } else {
                    weight.accumulateProduct(g, x, batch: 1, rows: rows, m: outFeatures, n: inFeatures)
                }
            }
            if let bias, bias.requiresGrad {
                let gb = bias.makeOutput(bias.shape)
                g.backend.sum(g.storage, gb.storage, axis: AxisSplit(outer: 1, length: rows, inner: outFeatures))
                grads[2] = gb
            }
            return grads
        }
    }
}

extension AxisSplit {
    public init(outer: Int, length: Int, inner: Int) {
        self.outer = outer
        self.length = length
        self.inner = inner
    }
}
