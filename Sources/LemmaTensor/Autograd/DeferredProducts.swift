/// Gradient contributions of the form aᵀ·b over few rows, gathered per tensor during one backward pass.
///
/// A weight read once per step of a step-by-step decoder (an LSTM's input weights, an attention's memory)
/// gets one contribution per step, dW += aᵀ b with as many rows as the step has (its batch). Computed as it
/// arrives, each is a thin GEMM that reads and rewrites the whole gradient for a few rows of work. Kept
/// instead, they are summed as one GEMM over all their rows — the same sum — when the pass reaches the
/// tensor, or earlier once enough rows have gathered (which bounds the memory they hold on to).
struct DeferredProducts {
    /// Contributions with at least this many rows per matrix are computed at once: their GEMM is already
    /// efficient (seed 002's 64-row steps measured no faster gathered; im2latex's 20-row decoder steps 21%
    /// faster). Per matrix, not over the batch: per-image rank-1 updates of an attention memory stay thin
    /// however many images there are.
    static let rowLimit = 64
    /// Gathered rows, or operand elements (64 MB: a large vocabulary's per-step output gradients add up
    /// quickly), that trigger a sum before the pass reaches the tensor.
    static let flushRows = 2048
    static let flushElements = 1 << 24

    /// Each [batch, rows, m] and [batch, rows, n].
    var left: [Tensor] = []
    var right: [Tensor] = []
    var rows = 0
    var elements = 0
}

extension Tensor {
    /// Adds aᵀ·b to the gradient being collected for this tensor, for a rule whose contribution has that form:
    /// `a` [batch, rows, m] and `b` [batch, rows, n] (any shapes with those element counts, contiguous), this
    /// tensor [batch, m, n] (or [m, n] for a batch of one). A rule that calls it returns nil for this input.
    func accumulateProduct(_ a: Tensor, _ b: Tensor, batch: Int, rows: Int, m: Int, n: Int) {
        precondition(a.count == batch * rows * m && b.count == batch * rows * n && count == batch * m * n,
                     "accumulateProduct: operands do not match the gradient's shape \(describe(shape))")
        let left = a.reshaped([batch, rows, m]), right = b.reshaped([batch, rows, n])
        guard rows < DeferredProducts.rowLimit else {
            accumulateGradient { into, accumulate in
                Tensor.gemm(left, transposed: true, batchStrideA: rows * m, right, transposed: false, batchStrideB: rows * n,
                            batch: batch, m: m, n: n, k: rows, into: into, accumulate: accumulate)
            }
            return
        }
        var gathered = deferredProducts ?? DeferredProducts()
        gathered.left.append(left)
        gathered.right.append(right)
        gathered.rows += rows
        gathered.elements += a.count + b.count
        deferredProducts = gathered
        if gathered.rows >= DeferredProducts.flushRows || gathered.elements >= DeferredProducts.flushElements {
            sumDeferredProducts()
        }
    }

    /// Adds the gathered contributions to the gradient being collected, as one GEMM over all their rows.
    func sumDeferredProducts() {
        guard let gathered = deferredProducts else { return }
        deferredProducts = nil
        let left = gathered.left.count == 1 ? gathered.left[0] : Tensor.concat(gathered.left, axis: 1)
        let right = gathered.right.count == 1 ? gathered.right[0] : Tensor.concat(gathered.right, axis: 1)
        let (batch, rows, m, n) = (left.shape[0], gathered.rows, left.shape[2], right.shape[2])
        accumulateGradient { into, accumulate in
            Tensor.gemm(left, transposed: true, batchStrideA: rows * m, right, transposed: false, batchStrideB: rows * n,
                        batch: batch, m: m, n: n, k: rows, into: into, accumulate: accumulate)
        }
    }
}
