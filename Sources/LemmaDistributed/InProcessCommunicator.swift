import Foundation

/// Ranks as threads of one process, for unit tests of data-parallel code without MPI: `InProcessGroup(size:)`
/// hands out one communicator per rank; each collective completes when every rank has entered it.
public final class InProcessGroup: @unchecked Sendable {
    public let size: Int
    public var timeout: Double
    let condition = NSCondition()
    var arrived = 0
    /// The ranks inside the current collective, to name the missing ones at a timeout.
    var inside = Set<Int>()
    var generation = 0
    var sums: [Double] = []
    var floatSums: [Float] = []
    /// Each rank's contribution, summed in rank order so that results repeat exactly from run to run.
    var floatParts: [[Float]] = []
    var doubleParts: [[Double]] = []
    var broadcastData: [Float] = []

    public init(size: Int, timeout: Double = 30) {
        precondition(size >= 1, "InProcessGroup: needs a rank")
        self.size = size
        self.timeout = timeout
    }

    public func communicator(rank: Int) -> InProcessCommunicator { InProcessCommunicator(rank: rank, group: self) }

    /// Every rank contributes through `contribute` (under the lock); the last to arrive runs `complete`; all
    /// then read through `read`. Throws at the timeout if some rank never arrives.
    func collective(_ operation: String, rank: Int, contribute: () -> Void, complete: () -> Void, read: () -> Void) throws {
        condition.lock()
        defer { condition.unlock() }
        let myGeneration = generation
        contribute()
        arrived += 1
        inside.insert(rank)
        if arrived == size {
            complete()
            arrived = 0
            inside = []
            generation += 1
            condition.broadcast()
        } else {
            let deadline = Date().addingTimeInterval(timeout)
            while generation == myGeneration {
                guard condition.wait(until: deadline) || generation != myGeneration else {
                    let missing = (0..<size).filter { !inside.contains($0) }
                    throw DistributedError.timeout(operation: operation, seconds: timeout, rank: "rank \(rank) of \(size) (in-process)",
                                                   missing: missing)
                }
            }
        }
        read()
        // The next collective may only start once every rank has read this one's result.
        arrivedReading += 1
        if arrivedReading == size {
            arrivedReading = 0
            readGeneration += 1
            condition.broadcast()
        } else {
            let target = readGeneration
            while readGeneration == target { condition.wait() }
        }
    }

    var arrivedReading = 0
    var readGeneration = 0
}

public final class InProcessCommunicator: Communicator {
    public let rank: Int
    let group: InProcessGroup

    init(rank: Int, group: InProcessGroup) {
        self.rank = rank
        self.group = group
    }

    public var size: Int { group.size }
    public var rankDescription: String { "rank \(rank) of \(size) (in-process)" }

    public func allReduceSum(_ values: inout [Double]) throws {
        var local = values
        try group.collective("all-reduce", rank: rank, contribute: {
            if group.arrived == 0 { group.doubleParts = Array(repeating: [], count: size) }
            group.doubleParts[rank] = local
        }, complete: {
            group.sums = group.doubleParts.dropFirst().reduce(group.doubleParts[0]) { sum, part in zip(sum, part).map { $0 + $1 } }
        }, read: { local = group.sums })
        values = local
    }

    final class Done: PendingCollective {
        func wait() throws {}
        func poll() throws {}
    }

    public func startAllReduceSum(_ buffer: HostBuffer) throws -> any PendingCollective {
        try group.collective("all-reduce", rank: rank, contribute: {
            if group.arrived == 0 { group.floatParts = Array(repeating: [], count: size) }
            group.floatParts[rank] = Array(UnsafeBufferPointer(start: buffer.pointer, count: buffer.count))
        }, complete: {
            group.floatSums = group.floatParts.dropFirst().reduce(group.floatParts[0]) { sum, part in zip(sum, part).map { $0 + $1 } }
        }, read: {
            for i in 0..<buffer.count { buffer.pointer[i] = group.floatSums[i] }
        })
        return Done()
    }

    public func broadcast(_ buffer: HostBuffer, root: Int) throws {
        try group.collective("broadcast", rank: rank, contribute: {
            if rank == root { group.broadcastData = Array(UnsafeBufferPointer(start: buffer.pointer, count: buffer.count)) }
        }, complete: {}, read: {
            for i in 0..<buffer.count { buffer.pointer[i] = group.broadcastData[i] }
        })
    }

    public func barrier() throws {
        try group.collective("barrier", rank: rank, contribute: {}, complete: {}, read: {})
    }
}
