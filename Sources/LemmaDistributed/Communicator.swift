import LemmaTensor

/// The collectives data-parallel training needs, over a group of ranks (processes, or threads in tests):
/// the interface a GPU collective library (NCCL bootstrapped through MPI, as llm.c does) would implement too.
/// Every rank calls the same collectives in the same order; a collective that does not complete within the
/// communicator's timeout throws `DistributedError.timeout` instead of hanging.
public protocol Communicator: AnyObject {
    var rank: Int { get }
    var size: Int { get }
    /// What to call this rank in messages ("rank 1 (host-b)").
    var rankDescription: String { get }

    /// Sums small control values (counts, losses, flags, hashes) over all ranks, in place.
    func allReduceSum(_ values: inout [Double]) throws
    /// Starts summing `buffer` over all ranks, in place; the result is there once `wait` returns.
    func startAllReduceSum(_ buffer: HostBuffer) throws -> any PendingCollective
    /// Root's `buffer` into every rank's.
    func broadcast(_ buffer: HostBuffer, root: Int) throws
    func barrier() throws
}

/// A collective still running; `wait` blocks until it completes (or throws at the timeout), `poll` lets
/// MPI make progress without blocking (MPI progresses non-blocking collectives only inside MPI calls).
public protocol PendingCollective: AnyObject {
    func wait() throws
    func poll() throws
}

/// Why a collective failed: a timeout (a rank died or hangs: `missing` names the ranks that never entered
/// the collective, when the communicator can tell), or an error from the transport.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    case timeout(operation: String, seconds: Double, rank: String, missing: [Int] = [])
    case transport(operation: String, code: Int32, rank: String)
    case mismatch(String)

    public var description: String {
        switch self {
        case .timeout(let operation, let seconds, let rank, let missing) where !missing.isEmpty:
            "\(rank): \(operation) did not complete within \(Int(seconds)) s: rank\(missing.count > 1 ? "s" : "") "
                + "\(missing.map(String.init).joined(separator: ", ")) never reached it (hung, died or far behind; "
                + "set distributed.timeout to wait longer)"
        case .timeout(let operation, let seconds, let rank, _):
            "\(rank): \(operation) did not complete within \(Int(seconds)) s: another rank died, hangs or is far behind "
                + "(set distributed.timeout to wait longer)"
        case .transport(let operation, let code, let rank):
            "\(rank): \(operation) failed with MPI error \(code)"
        case .mismatch(let message):
            message
        }
    }
}

/// Float memory for collectives, 64-byte aligned (gradient buckets, broadcast parameters).
public final class HostBuffer {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        self.count = count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: 64).bindMemory(to: Float.self, capacity: max(1, count))
        pointer.initialize(repeating: 0, count: count)
    }

    deinit { pointer.deallocate() }

    /// Copies `tensors` one after another into the buffer from `offset` (elements).
    public func pack(_ tensors: [Tensor], at offset: Int = 0) {
        var position = offset
        for tensor in tensors {
            tensor.withUnsafeBufferPointer { values in (pointer + position).update(from: values.baseAddress!, count: values.count) }
            position += tensor.count
        }
    }

    /// Tensors of `shapes`, read one after another from `offset`, each multiplied by `scale`.
    public func unpack(_ shapes: [[Int]], at offset: Int = 0, scale: Float = 1) -> [Tensor] {
        var position = offset
        return shapes.map { shape in
            let count = shape.reduce(1, *)
            let tensor = Tensor(Array(UnsafeBufferPointer(start: pointer + position, count: count)), shape: shape)
            position += count
            return scale == 1 ? tensor : tensor * scale
        }
    }
}
