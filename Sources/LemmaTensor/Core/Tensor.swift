import Foundation

/// An n-dimensional array of Float32 that can record the operations applied to it, for reverse-mode autograd.
///
/// Tensors are immutable values as far as autograd is concerned: every op writes a new buffer (reshape
/// shares one). The few in-place writes (optimizer updates, `fill`) are meant for leaves, outside recording.
public final class Tensor {
    public let shape: [Int]
    public internal(set) var storage: TensorStorage
    /// Leaves with `requiresGrad` collect `grad` in `backward()`; op outputs require grad when an input does.
    public var requiresGrad: Bool
    public var grad: Tensor?
    /// How this tensor was made, when recorded; nil for leaves and outside recording.
    var gradNode: GradNode?
    /// The gradient flowing into this tensor during one `backward()`.
    var pendingGrad: Tensor?
    /// Contributions to that gradient not yet added (see `DeferredProducts`).
    var deferredProducts: DeferredProducts?

    public init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        precondition(elementCount(shape) == storage.count, "Tensor: shape \(describe(shape)) needs \(elementCount(shape)) elements, storage has \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// A tensor holding `values` in row-major order.
    public convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false,
                            backend: any Backend = CPUBackend.shared) {
        guard elementCount(shape) == values.count else {
            shapeFailure("Tensor", "\(values.count) values do not fill shape \(describe(shape))")
        }
        let storage = backend.allocate(values.count)
        values.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: values.count) }
        self.init(shape: shape, storage: storage, requiresGrad: requiresGrad)
    }

    /// A 1-D tensor.
    public convenience init(_ values: [Float], requiresGrad: Bool = false) {
        self.init(values, shape: [values.count], requiresGrad: requiresGrad)
    }

    /// A rank-0 tensor.
    public convenience init(scalar: Float) { self.init([scalar], shape: []) }

    public static func full(_ shape: [Int], _ value: Float, backend: any Backend = CPUBackend.shared) -> Tensor {
        let storage = backend.allocate(elementCount(shape))
        backend.fill(storage, value)
        return Tensor(shape: shape, storage: storage)
    }

    public static func zeros(_ shape: [Int]) -> Tensor { full(shape, 0) }
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }

    /// 0, 1, …, count-1 as floats.
    public static func arange(_ count: Int) -> Tensor { Tensor((0..<count).map(Float.init), shape: [count]) }

    public var rank: Int { shape.count }
    public var count: Int { storage.count }
    public var backend: any Backend { storage.backend }
    public var isLeaf: Bool { gradNode == nil }

    /// The elements in row-major order (a copy).
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The single element of a one-element tensor.
    public var item: Float {
        guard count == 1 else { shapeFailure("item", "needs a single element, shape is \(describe(shape))") }
        return storage.pointer[0]
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Writes into this tensor's buffer in place. For leaves outside recording: optimizer steps, loading.
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// A new tensor of `shape` on this tensor's backend, uninitialized: ops fill it completely.
    func makeOutput(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: backend.allocate(elementCount(shape)))
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(\(describe(shape)), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}
