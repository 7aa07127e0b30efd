import Foundation
import LemmaDistributed

/// The process's place in data-parallel training: `lemma train` under `mpirun` sets `communicator` to
/// MPI_COMM_WORLD, and every run's trainer joins it.
public enum DataParallel {
    nonisolated(unsafe) public static var communicator: (any Communicator)?

    /// Fault injection, to exercise the timeout path (tests, a drill before a long job): `LEMMA_FAULT=hang@N`
    /// makes this process stop responding after training step N, `exit@N` makes it exit with status 3.
    /// Given to one rank only (`mpirun … : -np 1 env LEMMA_FAULT=hang@2 lemma train …`), the others must
    /// stop at `distributed.timeout` naming that rank.
    static let fault: (hang: Bool, step: Int)? = {
        guard let text = ProcessInfo.processInfo.environment["LEMMA_FAULT"] else { return nil }
        let parts = text.split(separator: "@")
        guard parts.count == 2, ["hang", "exit"].contains(parts[0]), let step = Int(parts[1]) else {
            FileHandle.standardError.write(Data("LEMMA_FAULT '\(text)' ignored: expected hang@STEP or exit@STEP\n".utf8))
            return nil
        }
        return (parts[0] == "hang", step)
    }()

    /// Acts on `LEMMA_FAULT` once training step `step` has ended.
    static func injectFault(afterStep step: Int) {
        guard let fault, fault.step == step else { return }
        FileHandle.standardError.write(Data("LEMMA_FAULT: \(fault.hang ? "hanging" : "exiting") after step \(step)\n".utf8))
        guard fault.hang else { exit(3) }
        while true { sleep(60) }
    }

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
