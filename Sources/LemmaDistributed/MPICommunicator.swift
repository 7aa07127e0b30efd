import CLemmaMPI
import Foundation

/// The ranks `mpirun` started, over MPI_COMM_WORLD (OpenMPI from Debian; MPICH works the same). Every
/// collective is non-blocking underneath and waited for with a deadline, so a rank that died or hangs stops
/// the others with a message instead of a silent hang.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    public let host: String
    /// Seconds a collective may take before it is declared stuck.
    public var timeout: Double

    /// Whether this process was started by mpirun / mpiexec.
    public static var launched: Bool { lemma_mpi_launched() != 0 }

    nonisolated(unsafe) private static var shared: MPICommunicator?

    /// MPI_COMM_WORLD, initialized once per process; nil when not started by mpirun.
    public static func world(timeout: Double = 300) throws -> MPICommunicator? {
        if let shared { return shared }
        guard launched else { return nil }
        var rank: Int32 = 0, size: Int32 = 0
        let code = lemma_mpi_init(&rank, &size)
        guard code == 0 else { throw DistributedError.transport(operation: "MPI_Init", code: code, rank: "this process") }
        var name = [CChar](repeating: 0, count: 256)
        lemma_mpi_host(&name, Int32(name.count))
        let world = MPICommunicator(rank: Int(rank), size: Int(size), host: String(cString: name), timeout: timeout,
                                    beacon: try ProgressBeacon(rank: Int(rank), size: Int(size)))
        shared = world
        atexit {
            MPICommunicator.shared?.beacon.close()
            _ = lemma_mpi_finalize()
        }
        return world
    }

    /// Each rank's count of collectives entered, to name the ranks a timed-out collective waits for.
    let beacon: ProgressBeacon

    init(rank: Int, size: Int, host: String, timeout: Double, beacon: ProgressBeacon) {
        self.rank = rank
        self.size = size
        self.host = host
        self.timeout = timeout
        self.beacon = beacon
    }

    public var rankDescription: String { "rank \(rank) of \(size) (\(host))" }

    /// Ends every rank's process (after a fatal error on this one), as mpirun's own abort does.
    public func abort(code: Int32 = 1) -> Never {
        lemma_mpi_abort(code)
        exit(code)
    }

    final class Pending: PendingCollective {
        var requests: [Int64]
        let operation: String
        let communicator: MPICommunicator
        var done = false
        /// Keeps the memory alive until MPI is finished with it.
        let owner: AnyObject?

        init(requests: [Int64], operation: String, communicator: MPICommunicator, owner: AnyObject?) {
            self.requests = requests
            self.operation = operation
            self.communicator = communicator
            self.owner = owner
        }

        /// Chunks still to start (last first), and how to start one.
        var chunks: [(start: Int, count: Int)] = []
        var startChunk: ((Int, Int) throws -> Int64)?

        func poll() throws {
            guard !done else { return }
            if requests.allSatisfy({ $0 == 0 }), let next = chunks.popLast(), let startChunk {
                requests = [try startChunk(next.start, next.count)]
            }
            var allFinished = true
            for i in requests.indices where requests[i] != 0 {
                var finished: Int32 = 0
                let code = lemma_mpi_test(&requests[i], &finished)
                guard code == 0 else { throw DistributedError.transport(operation: operation, code: code, rank: communicator.rankDescription) }
                if finished != 0 { requests[i] = 0 } else { allFinished = false }
            }
            done = allFinished && chunks.isEmpty
            if allFinished, !chunks.isEmpty { try poll() }
        }

        func wait() throws {
            let deadline = Date().addingTimeInterval(communicator.timeout)
            var spins = 0
            while true {
                try poll()
                if done { return }
                guard Date() < deadline else {
                    throw DistributedError.timeout(operation: operation, seconds: communicator.timeout, rank: communicator.rankDescription,
                                                   missing: communicator.beacon.missing())
                }
                // Keep driving MPI (it progresses non-blocking collectives only inside its calls); after a
                // while (a slow rank, an evaluation on rank 0) hand the core over between polls.
                spins += 1
                if spins > 200_000 { usleep(500) } else if spins > 20_000 { sched_yield() }
            }
        }
    }

    /// Every collective starts here: the other ranks hear that this one has entered it.
    func enter() throws { try beacon.enter() }

    func started(_ code: Int32, _ request: Int64, _ operation: String, owner: AnyObject?) throws -> Pending {
        guard code == 0 else { throw DistributedError.transport(operation: operation, code: code, rank: rankDescription) }
        return Pending(requests: [request], operation: operation, communicator: self, owner: owner)
    }

    public func allReduceSum(_ values: inout [Double]) throws {
        try enter()
        var request: Int64 = 0
        let code = values.withUnsafeMutableBufferPointer { lemma_mpi_iallreduce_double($0.baseAddress, Int64($0.count), &request) }
        // The array's storage must stay put until the reduction completes: wait inside its lifetime.
        try started(code, request, "all-reduce of \(values.count) control values", owner: nil).wait()
    }

    /// Floats per non-blocking all-reduce: larger buffers go as several in flight at once, which OpenMPI's
    /// non-blocking collectives move several times faster than one large one (bench/allreduce_bench.sh).
    public static let chunk = 1 << 20

    public func startAllReduceSum(_ buffer: HostBuffer) throws -> any PendingCollective {
        let operation = "all-reduce of \(buffer.count) gradient values"
        try enter()
        let pending = Pending(requests: [], operation: operation, communicator: self, owner: buffer)
        // One chunk in flight at a time: each starts when the previous one completes (inside `poll`).
        pending.chunks = stride(from: 0, to: buffer.count, by: Self.chunk).map { ($0, min(Self.chunk, buffer.count - $0)) }.reversed()
        pending.startChunk = { [unowned self] start, count in
            var request: Int64 = 0
            let code = lemma_mpi_iallreduce_float(buffer.pointer + start, Int64(count), &request)
            guard code == 0 else { throw DistributedError.transport(operation: operation, code: code, rank: self.rankDescription) }
            return request
        }
        try pending.poll()
        return pending
    }

    public func broadcast(_ buffer: HostBuffer, root: Int) throws {
        try enter()
        var request: Int64 = 0
        let code = lemma_mpi_ibcast(buffer.pointer, Int64(buffer.count * 4), Int32(root), &request)
        try started(code, request, "broadcast of \(buffer.count) values from rank \(root)", owner: buffer).wait()
    }

    public func barrier() throws {
        try enter()
        var request: Int64 = 0
        let code = lemma_mpi_ibarrier(&request)
        try started(code, request, "barrier", owner: nil).wait()
    }
}
