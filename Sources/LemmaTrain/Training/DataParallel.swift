import Foundation
import LemmaDistributed

/// The process's place in data-parallel training: `lemma train` under `mpirun` sets `communicator` to
/// MPI_COMM_WORLD, and every run's trainer joins it.
public enum DataParallel {
    nonisolated(unsafe) public static var communicator: (any Communicator)?

    /// Whether this process writes files and prints (rank 0, or the only process).
    public static var isPrimary: Bool { (communicator?.rank ?? 0) == 0 }

    /// Checks that every rank was given the same configuration (`fingerprint`: its text), naming the ranks
    /// that differ from rank 0.
    public static func checkSameConfiguration(_ fingerprint: String, over communicator: any Communicator) throws {
        // FNV-1a, split into two exact doubles; rank 0's reaches everyone through a sum with zeros.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in fingerprint.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let halves = [Double(hash >> 32), Double(hash & 0xffff_ffff)]
        var rootHash = communicator.rank == 0 ? halves : [0, 0]
        try communicator.allReduceSum(&rootHash)
        var differs = [Double](repeating: 0, count: communicator.size)
        differs[communicator.rank] = rootHash == halves ? 0 : 1
        try communicator.allReduceSum(&differs)
        let ranks = differs.indices.filter { differs[$0] > 0 }
        guard ranks.isEmpty else {
            throw DistributedError.mismatch("rank\(ranks.count > 1 ? "s" : "") \(ranks.map(String.init).joined(separator: ", ")) "
                + "got a different configuration from rank 0 (the config file and --set must be the same on every rank)")
        }
    }
}
