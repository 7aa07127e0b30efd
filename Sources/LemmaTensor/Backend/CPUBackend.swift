import CLemmaKernels
import Foundation

/// The CPU backend: oneDNN / OpenBLAS for GEMM, Lemma's own C kernels (cloned per CPU level) for the rest,
/// all on libgomp's thread pool.
public final class CPUBackend: Backend {
    public static let shared = CPUBackend()

    public let name = "cpu"
    let pool = BufferPool()
    /// Which library runs a GEMM of a given shape. Set by measurement in bench/ (docs/BENCHMARKS.md):
    /// oneDNN wins on the small and skinny shapes of RNN steps and MLPs and matches OpenBLAS on large ones.
    /// `LEMMA_GEMM=openblas` forces OpenBLAS.
    let gemmLibrary: lemma_gemm_library

    init() {
        let choice = ProcessInfo.processInfo.environment["LEMMA_GEMM"]?.lowercased()
        gemmLibrary = choice == "openblas" ? LEMMA_GEMM_OPENBLAS : LEMMA_GEMM_ONEDNN
    }

    public var gemmLibraryName: String { gemmLibrary == LEMMA_GEMM_OPENBLAS ? "OpenBLAS" : "oneDNN" }

    public var threads: Int {
        get { Int(lemma_max_threads()) }
        set { lemma_set_max_threads(Int32(newValue)) }
    }

    /// Buffers obtained from malloc so far (the rest were reused from the pool).
    public var freshAllocations: Int { pool.freshAllocations }

    /// Bytes now held in tensors, and bytes of freed buffers kept for reuse (the two together stay below
    /// twice the peak of the first).
    public var liveBufferBytes: Int { pool.liveBytes }
    public var cachedBufferBytes: Int { pool.cachedBytes }

    /// Frees the cached buffers (for tests and long-lived servers between jobs).
    public func releaseCachedBuffers() { pool.drain() }

    public func allocate(_ count: Int) -> TensorStorage {
        TensorStorage(pointer: pool.take(count), count: count, backend: self)
    }

    public func release(_ pointer: UnsafeMutablePointer<Float>, count: Int) { pool.give(pointer, count: count) }

    public func fill(_ y: TensorStorage, _ value: Float) { lemma_fill(y.pointer, value, Int64(y.count)) }

    public func copy(_ x: TensorStorage, to y: TensorStorage) { lemma_copy(x.pointer, y.pointer, Int64(x.count)) }

    public func axpy(alpha: Float, _ x: TensorStorage, _ y: TensorStorage) {
        lemma_axpy(Int64(x.count), alpha, x.pointer, y.pointer)
    }

    public func sumOfSquares(_ x: TensorStorage) -> Double { lemma_sum_squares(x.pointer, Int64(x.count)) }

    public func unary(_ op: UnaryOp, _ x: TensorStorage, _ y: TensorStorage) {
        lemma_unary(op.rawValue, x.pointer, y.pointer, Int64(x.count))
    }

    public func unaryBackward(_ op: UnaryOp, x: TensorStorage, y: TensorStorage, gradOutput: TensorStorage,
                              gradInput: TensorStorage) {
        lemma_unary_backward(op.rawValue, x.pointer, y.pointer, gradOutput.pointer, gradInput.pointer,
                             Int64(x.count))
    }

    public func power(_ x: TensorStorage, _ exponent: Float, _ y: TensorStorage) {
        lemma_pow_scalar(x.pointer, exponent, y.pointer, Int64(x.count))
    }

    public func powerBackward(_ x: TensorStorage, _ exponent: Float, gradOutput: TensorStorage,
                              gradInput: TensorStorage) {
        lemma_pow_scalar_backward(x.pointer, exponent, gradOutput.pointer, gradInput.pointer, Int64(x.count))
    }

    public func affine(_ x: TensorStorage, scale: Float, shift: Float, _ y: TensorStorage) {
        lemma_affine(x.pointer, scale, shift, y.pointer, Int64(x.count))
    }

    public func binary(_ op: BinaryOp, _ a: TensorStorage, strides aStrides: [Int], _ b: TensorStorage,
                       strides bStrides: [Int], _ y: TensorStorage, shape: [Int]) {
        withInt64(aStrides) { sa in
            withInt64(bStrides) { sb in
                withInt64(shape) { dims in
                    lemma_binary(op.rawValue, a.pointer, sa, b.pointer, sb, y.pointer, dims, Int32(shape.count))
                }
            }
        }
    }

    public func select(_ condition: TensorStorage, _ a: TensorStorage, _ b: TensorStorage, _ y: TensorStorage) {
        lemma_where(condition.pointer, a.pointer, b.pointer, y.pointer, Int64(y.count))
    }

    public func stridedCopy(_ x: TensorStorage, offset: Int, strides: [Int], _ y: TensorStorage, shape: [Int]) {
        withInt64(strides) { s in
            withInt64(shape) { dims in
                lemma_strided_copy(x.pointer + offset, s, y.pointer, dims, Int32(shape.count))
            }
        }
    }

    public func stridedScatter(_ y: TensorStorage, into x: TensorStorage, offset: Int, strides: [Int],
                               shape: [Int], accumulate: Bool) {
        withInt64(strides) { s in
            withInt64(shape) { dims in
                lemma_strided_scatter(x.pointer + offset, s, y.pointer, dims, Int32(shape.count), accumulate ? 1 : 0)
            }
        }
    }

    public func sum(_ x: TensorStorage, _ y: TensorStorage, axis: AxisSplit) {
        lemma_sum_axis(x.pointer, y.pointer, Int64(axis.outer), Int64(axis.length), Int64(axis.inner))
    }

    public func max(_ x: TensorStorage, _ y: TensorStorage, indices: UnsafeMutablePointer<Int32>?, axis: AxisSplit) {
        lemma_max_axis(x.pointer, y.pointer, indices, Int64(axis.outer), Int64(axis.length), Int64(axis.inner))
    }

    public func topK(_ x: TensorStorage, _ values: TensorStorage, indices: UnsafeMutablePointer<Int32>, k: Int,
                     axis: AxisSplit) {
        lemma_top_k_axis(x.pointer, values.pointer, indices, Int64(axis.outer), Int64(axis.length), Int64(axis.inner),
                         Int64(k))
    }

    public func topKWithLogSumExp(_ x: TensorStorage, _ values: TensorStorage, indices: UnsafeMutablePointer<Int32>?,
                                  logSumExp: TensorStorage, k: Int, rows: Int, length: Int) {
        lemma_top_k_with_log_sum_exp(x.pointer, values.pointer, indices, logSumExp.pointer, Int64(rows),
                                     Int64(length), Int64(k))
    }

    public func logSumExp(_ x: TensorStorage, _ y: TensorStorage, axis: AxisSplit) {
        lemma_logsumexp_axis(x.pointer, y.pointer, Int64(axis.outer), Int64(axis.length), Int64(axis.inner))
    }

    public func softmax(_ x: TensorStorage, _ y: TensorStorage, axis: AxisSplit, log: Bool) {
        lemma_softmax_axis(x.pointer, y.pointer, Int64(axis.outer), Int64(axis.length), Int64(axis.inner),
                           log ? 1 : 0)
    }

    public func crossEntropy(_ x: TensorStorage, targets: [Int32], rows: Int, classes: Int, loss: TensorStorage,
                             shift: TensorStorage) {
        lemma_cross_entropy_forward(x.pointer, targets, Int64(rows), Int64(classes), loss.pointer, shift.pointer)
    }

    public func crossEntropyBackward(_ x: TensorStorage, targets: [Int32], shift: TensorStorage,
                                     gradLoss: TensorStorage, rows: Int, classes: Int, gradX: TensorStorage) {
        lemma_cross_entropy_backward(x.pointer, targets, shift.pointer, gradLoss.pointer, Int64(rows), Int64(classes),
                                     gradX.pointer)
    }

    public func softmaxBackward(output: TensorStorage, gradOutput: TensorStorage, gradInput: TensorStorage,
                                axis: AxisSplit, log: Bool) {
        lemma_softmax_backward_axis(output.pointer, gradOutput.pointer, gradInput.pointer, Int64(axis.outer),
                                    Int64(axis.length), Int64(axis.inner), log ? 1 : 0)
    }

    public func indexSelect(_ x: TensorStorage, rows: Int, rowLength: Int, indices: [Int32],
                            _ y: TensorStorage) -> Int? {
        badPosition(indices.withUnsafeBufferPointer {
            lemma_index_select(x.pointer, Int64(rows), Int64(rowLength), $0.baseAddress, Int64($0.count), y.pointer)
        })
    }

    public func indexAdd(_ src: TensorStorage, into y: TensorStorage, rows: Int, rowLength: Int,
                         indices: [Int32], skipping: Int32?) -> Int? {
        badPosition(indices.withUnsafeBufferPointer {
            lemma_index_add(y.pointer, Int64(rows), Int64(rowLength), $0.baseAddress, Int64($0.count), src.pointer,
                            Int64(skipping ?? -1))
        })
    }

    public func gather(_ x: TensorStorage, indices: [Int32], _ y: TensorStorage, axis: AxisSplit,
                       indexLength: Int) -> Int? {
        badPosition(indices.withUnsafeBufferPointer {
            lemma_gather_axis(x.pointer, $0.baseAddress, y.pointer, Int64(axis.outer), Int64(axis.length),
                              Int64(indexLength), Int64(axis.inner))
        })
    }

    public func scatterAdd(_ src: TensorStorage, indices: [Int32], into y: TensorStorage, axis: AxisSplit,
                           indexLength: Int) -> Int? {
        badPosition(indices.withUnsafeBufferPointer {
            lemma_scatter_add_axis(y.pointer, $0.baseAddress, src.pointer, Int64(axis.outer), Int64(axis.length),
                                   Int64(indexLength), Int64(axis.inner))
        })
    }

    public func gemm(_ a: TensorStorage, offset aOffset: Int, transposed transA: Bool, lda: Int,
                     _ b: TensorStorage, offset bOffset: Int, transposed transB: Bool, ldb: Int,
                     _ c: TensorStorage, offset cOffset: Int, ldc: Int, m: Int, n: Int, k: Int,
                     alpha: Float, beta: Float) {
        let status = lemma_sgemm(Int32(gemmLibrary.rawValue), transA ? 1 : 0, transB ? 1 : 0, Int64(m), Int64(n),
                                 Int64(k), alpha, a.pointer + aOffset, Int64(lda), b.pointer + bOffset, Int64(ldb),
                                 beta, c.pointer + cOffset, Int64(ldc))
        precondition(status == 0, "gemm: the kernel library failed with status \(status) for m=\(m) n=\(n) k=\(k)")
    }

    public func gemmBatched(_ a: TensorStorage, batchStride strideA: Int, transposed transA: Bool, lda: Int,
                            _ b: TensorStorage, batchStride strideB: Int, transposed transB: Bool, ldb: Int,
                            _ c: TensorStorage, batchStride strideC: Int, ldc: Int, m: Int, n: Int, k: Int,
                            batch: Int, alpha: Float, beta: Float) {
        let status = lemma_sgemm_batched(Int32(gemmLibrary.rawValue), transA ? 1 : 0, transB ? 1 : 0, Int64(m),
                                         Int64(n), Int64(k), alpha, a.pointer, Int64(lda), Int64(strideA), b.pointer,
                                         Int64(ldb), Int64(strideB), beta, c.pointer, Int64(ldc), Int64(strideC),
                                         Int64(batch))
        precondition(status == 0, "gemm: the kernel library failed with status \(status) for m=\(m) n=\(n) k=\(k) batch=\(batch)")
    }

    private func badPosition(_ result: Int64) -> Int? { result < 0 ? nil : Int(result) }
}

/// Passes a Swift [Int] to C as int64_t* without allocating (Int is 64-bit on every platform Lemma targets).
@inline(__always)
func withInt64<R>(_ values: [Int], _ body: (UnsafePointer<Int64>) -> R) -> R {
    values.withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: Int64.self) { body($0.baseAddress!) }
    }
}
