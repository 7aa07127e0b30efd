import CLemmaMPI

/// Tells every other rank how many collectives this rank has entered, and keeps the latest count heard from
/// each, so that a rank whose collective times out can name the ranks that never reached it (a hang, a crash
/// not yet noticed by mpirun) rather than only itself. One int64 per peer per collective, sent before the
/// collective starts; receives are drained as they arrive so nothing piles up in MPI's queues.
final class ProgressBeacon {
    let rank: Int, size: Int
    /// Collectives this rank has entered.
    private(set) var entered: Int64 = 0
    /// The latest count each rank has announced (this rank's own slot unused).
    private(set) var heard: [Int64]
    /// One posted receive per peer, landing in `inbox[peer]`.
    private let inbox: UnsafeMutablePointer<Int64>
    private var receives: [Int64]
    /// Sends in flight with the memory they read from.
    private var sends: [(request: Int64, value: UnsafeMutablePointer<Int64>)] = []

    init(rank: Int, size: Int) throws {
        self.rank = rank
        self.size = size
        heard = Array(repeating: 0, count: size)
        inbox = .allocate(capacity: size)
        inbox.initialize(repeating: 0, count: size)
        receives = Array(repeating: 0, count: size)
        for peer in 0..<size where peer != rank { try post(peer) }
    }

    deinit {
        close()
        inbox.deallocate()
        for send in sends { send.value.deallocate() }
    }

    private func post(_ peer: Int) throws {
        let code = lemma_mpi_irecv_progress(inbox + peer, Int32(peer), &receives[peer])
        guard code == 0 else { throw DistributedError.transport(operation: "progress receive", code: code, rank: "rank \(rank)") }
    }

    /// Announces that this rank enters its next collective.
    func enter() throws {
        entered += 1
        try drain()
        var pending: [(request: Int64, value: UnsafeMutablePointer<Int64>)] = []
        for send in sends {
            var request = send.request, finished: Int32 = 0
            _ = lemma_mpi_test(&request, &finished)
            if finished != 0 { send.value.deallocate() } else { pending.append((request, send.value)) }
        }
        sends = pending
        for peer in 0..<size where peer != rank {
            let value = UnsafeMutablePointer<Int64>.allocate(capacity: 1)
            value.initialize(to: entered)
            var request: Int64 = 0
            let code = lemma_mpi_isend_progress(value, Int32(peer), &request)
            guard code == 0 else {
                value.deallocate()
                throw DistributedError.transport(operation: "progress send", code: code, rank: "rank \(rank)")
            }
            sends.append((request, value))
        }
    }

    /// Takes in every announcement that has arrived (several per peer when it ran ahead).
    func drain() throws {
        for peer in 0..<size where peer != rank && receives[peer] != 0 {
            while true {
                var finished: Int32 = 0
                let code = lemma_mpi_test(&receives[peer], &finished)
                guard code == 0 else { throw DistributedError.transport(operation: "progress receive", code: code, rank: "rank \(rank)") }
                guard finished != 0 else { break }
                heard[peer] = max(heard[peer], inbox[peer])
                try post(peer)
            }
        }
    }

    /// The ranks not known to have entered this rank's current collective.
    func missing() -> [Int] {
        try? drain()
        return (0..<size).filter { $0 != rank && heard[$0] < entered }
    }

    /// Cancels the posted receives (before MPI_Finalize).
    func close() {
        for peer in receives.indices where receives[peer] != 0 { _ = lemma_mpi_cancel(&receives[peer]) }
    }
}
