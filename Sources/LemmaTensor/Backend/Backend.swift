/// The narrow interface between tensors and the hardware. Tensor ops (and their gradient rules) are written
/// once against it; a GPU backend implements the same primitives over device buffers.
///
/// Buffers are `TensorStorage`; shapes come as (outer, len, inner) triples for axis work and as stride
/// lists for broadcast and strided copies. Outputs are always allocated by the caller through `allocate`.
public protocol Backend: AnyObject, Sendable, NormalizationKernels, RecurrentKernels, ConvolutionKernels,
                        AttentionKernels {
    var name: String { get }

    func allocate(_ count: Int) -> TensorStorage
    func release(_ pointer: UnsafeMutablePointer<Float>, count: Int)

    func fill(_ y: TensorStorage, _ value: Float)
    func copy(_ x: TensorStorage, to y: TensorStorage)
    func axpy(alpha: Float, _ x: TensorStorage, _ y: TensorStorage)
    func sumOfSquares(_ x: TensorStorage) -> Double

    func unary(_ op: UnaryOp, _ x: TensorStorage, _ y: TensorStorage)
    func unaryBackward(_ op: UnaryOp, x: TensorStorage, y: TensorStorage, gradOutput: TensorStorage,
                       gradInput: TensorStorage)
    func power(_ x: TensorStorage, _ exponent: Float, _ y: TensorStorage)
    func powerBackward(_ x: TensorStorage, _ exponent: Float, gradOutput: TensorStorage, gradInput: TensorStorage)
    func affine(_ x: TensorStorage, scale: Float, shift: Float, _ y: TensorStorage)
    func binary(_ op: BinaryOp, _ a: TensorStorage, strides aStrides: [Int], _ b: TensorStorage,
                strides bStrides: [Int], _ y: TensorStorage, shape: [Int])
    func select(_ condition: TensorStorage, _ a: TensorStorage, _ b: TensorStorage, _ y: TensorStorage)

    /// y (contiguous, `shape`) = x viewed from `offset` with `strides` (0 = broadcast).
    func stridedCopy(_ x: TensorStorage, offset: Int, strides: [Int], _ y: TensorStorage, shape: [Int])
    /// x viewed from `offset` with `strides` = y, or += y when `accumulate`.
    func stridedScatter(_ y: TensorStorage, into x: TensorStorage, offset: Int, strides: [Int], shape: [Int],
                        accumulate: Bool)

    func sum(_ x: TensorStorage, _ y: TensorStorage, axis: AxisSplit)
    func max(_ x: TensorStorage, _ y: TensorStorage, indices: UnsafeMutablePointer<Int32>?, axis: AxisSplit)
    /// The `k` largest along the axis, largest first (NaN above numbers, ties in index order); `values` and
    /// `indices` have the axis's length replaced by k.
    func topK(_ x: TensorStorage, _ values: TensorStorage, indices: UnsafeMutablePointer<Int32>, k: Int, axis: AxisSplit)
    /// `topK` along the last axis of `rows` contiguous rows (k ≤ 64) and each row's log-sum-exp, in one read.
    func topKWithLogSumExp(_ x: TensorStorage, _ values: TensorStorage, indices: UnsafeMutablePointer<Int32>?,
                           logSumExp: TensorStorage, k: Int, rows: Int, length: Int)
    func logSumExp(_ x: TensorStorage, _ y: TensorStorage, axis: AxisSplit)
    func softmax(_ x: TensorStorage, _ y: TensorStorage, axis: AxisSplit, log: Bool)
    /// Per-row cross-entropy of logits [rows, classes] against in-range targets, with each row's
    /// log-sum-exp (`shift`) for the backward pass: gradX = gradLoss · (softmax − one-hot).
    func crossEntropy(_ x: TensorStorage, targets: [Int32], rows: Int, classes: Int, loss: TensorStorage,
                      shift: TensorStorage)
    func crossEntropyBackward(_ x: TensorStorage, targets: [Int32], shift: TensorStorage, gradLoss: TensorStorage,
                              rows: Int, classes: Int, gradX: TensorStorage)
    func softmaxBackward(output: TensorStorage, gradOutput: TensorStorage, gradInput: TensorStorage,
                         axis: AxisSplit, log: Bool)

    /// Each returns the position of the first index out of range, or nil.
    func indexSelect(_ x: TensorStorage, rows: Int, rowLength: Int, indices: [Int32], _ y: TensorStorage) -> Int?
    func indexAdd(_ src: TensorStorage, into y: TensorStorage, rows: Int, rowLength: Int, indices: [Int32],
                  skipping: Int32?) -> Int?
    func gather(_ x: TensorStorage, indices: [Int32], _ y: TensorStorage, axis: AxisSplit, indexLength: Int) -> Int?
    func scatterAdd(_ src: TensorStorage, indices: [Int32], into y: TensorStorage, axis: AxisSplit,
                    indexLength: Int) -> Int?

    /// Row-major C[offset...] = alpha op(A) op(B) + beta C, on buffers at element offsets.
    func gemm(_ a: TensorStorage, offset aOffset: Int, transposed transA: Bool, lda: Int,
              _ b: TensorStorage, offset bOffset: Int, transposed transB: Bool, ldb: Int,
              _ c: TensorStorage, offset cOffset: Int, ldc: Int, m: Int, n: Int, k: Int, alpha: Float, beta: Float)

    /// `batch` GEMMs as above, matrix i at element offset i·stride of each buffer (stride 0: shared).
    func gemmBatched(_ a: TensorStorage, batchStride strideA: Int, transposed transA: Bool, lda: Int,
                     _ b: TensorStorage, batchStride strideB: Int, transposed transB: Bool, ldb: Int,
                     _ c: TensorStorage, batchStride strideC: Int, ldc: Int, m: Int, n: Int, k: Int, batch: Int,
                     alpha: Float, beta: Float)
}

/// A tensor seen as (outer, len, inner) around one axis: what every axis-wise kernel iterates.
public struct AxisSplit: Sendable, Equatable {
    public var outer: Int, length: Int, inner: Int

    public init(shape: [Int], axis: Int) {
        outer = shape[..<axis].reduce(1, *)
        length = shape[axis]
        inner = shape[(axis + 1)...].reduce(1, *)
    }
}

public enum UnaryOp: Int32, Sendable {
    case negate, exp, log, sqrt, tanh, sigmoid, relu, gelu, geluTanh, abs, square, reciprocal
}

public enum BinaryOp: Int32, Sendable {
    case add, subtract, multiply, divide, maximum, minimum, power, equal, notEqual, less, lessEqual, greater,
         greaterEqual
}
