import CLemmaKernels
import Dispatch
import Synchronization

/// Independent jobs side by side, one per core, each running its tensor operations on a single thread.
///
/// Work made of many small operations — a decoder stepping a batch of 64 rows, one token at a time — shares
/// each operation across cores poorly: every one ends at a barrier, and most are too small to split. Giving
/// each core whole jobs instead (a batch each) leaves nothing to wait for. Every lane is single-threaded, so a
/// job's arithmetic is the same whichever lane runs it: results do not depend on the scheduling (they may
/// differ in the last bits from the same job run alone with the whole pool, whose kernels split sums
/// differently). Jobs that draw random numbers must bring their own generator (as `Decoder` makes one from
/// its seed): a lane does not see the caller's `Random.using` scope, and the process-wide generator would be
/// drawn in whatever order the lanes reach it.
public enum ConcurrentLanes {
    /// Runs `body(0..<count)`, each index once, on up to `lanes` threads that take the next index as they
    /// finish one (jobs of uneven size balance themselves). Each lane records gradients as the caller's thread
    /// does, computes convolutions by the caller's `ConvolutionAlgorithm`, flushes denormals as the process does, and runs its operations single-threaded. With one lane or
    /// one job it is a plain loop on the caller's thread, operations parallel as usual. The first error thrown
    /// stops the lanes taking new jobs and is rethrown.
    public static func forEach(_ count: Int, lanes: Int = CPUBackend.shared.threads,
                               _ body: (Int) throws -> Void) throws {
        guard count > 0 else { return }
        let lanes = min(max(lanes, 1), count)
        guard lanes > 1 else {
            for index in 0..<count { try body(index) }
            return
        }
        let recording = GradMode.isEnabled
        let algorithm = ConvolutionAlgorithm.scoped  // task-locals do not cross to Dispatch's threads
        let next = Atomic<Int>(0)
        let failure = Mutex<(any Error)?>(nil)
        withoutActuallyEscaping(body) { body in
            let job = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: lanes) { _ in
                lemma_sync_denormal_mode()
                let threads = lemma_max_threads()
                lemma_set_max_threads(1)
                defer { lemma_set_max_threads(threads) }
                ConvolutionAlgorithm.using(algorithm) {
                    GradMode.withEnabled(recording) {
                        while failure.withLock({ $0 == nil }) {
                            let index = next.add(1, ordering: .relaxed).oldValue
                            guard index < count else { return }
                            do { try job.value(index) } catch { failure.withLock { $0 = $0 ?? error } }
                        }
                    }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// `forEach` for jobs that cannot fail.
    public static func forEach(_ count: Int, lanes: Int = CPUBackend.shared.threads, _ body: (Int) -> Void) {
        try! forEach(count, lanes: lanes) { (index: Int) throws -> Void in body(index) }
    }
}

/// A value handed to other threads where the caller guarantees they use it safely (here: jobs that touch
/// disjoint results and only read shared model weights).
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
