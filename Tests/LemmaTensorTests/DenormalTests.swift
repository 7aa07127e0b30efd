import Foundation
import LemmaTensor
import Testing

/// Flush-to-zero and denormals-are-zero: on by default in the main thread and in the worker threads that
/// Lemma's loops and oneDNN's GEMMs run on. Cases that change the setting run in a child process, since it
/// is the whole process's.
@Suite(.disabled(if: ProcessInfo.processInfo.environment["LEMMA_FLUSH_DENORMALS"] != nil,
                 "LEMMA_FLUSH_DENORMALS is set for this run"))
struct DenormalTests {
    /// 2^20 copies of a denormal (1e-40): enough elements for every thread of an elementwise loop.
    static func denormals() -> Tensor { Tensor.full([1 << 20], 1e-40) }

    /// A 512 × 512 × 512 product whose every term (1e-20 × 2e-22) is a denormal: oneDNN splits it over
    /// all threads, and each output is 0 with flushing, about 2e-39 without.
    static func denormalProduct() -> [Float] {
        Tensor.full([512, 512], 1e-20).matmul(Tensor.full([512, 512], 2e-22)).scalars
    }

    @Test func onByDefaultInTheMainThreadAndEveryWorkerBeforeAnyWorkRuns() async {
        await #expect(processExitsWith: .success) {
            // A fresh process: the pool's threads are started by this first region, from a thread already set.
            let threads = CPUBackend.shared.threads
            let workers = Denormals.flushedInWorkerThreads(count: threads)
            precondition(Denormals.flushToZero && Denormals.flushedInThisThread, "not flushing in the calling thread")
            precondition(workers == Array(repeating: true, count: threads), "worker threads: \(workers)")
        }
    }

    @Test func workerThreadsFlushInElementwiseLoopsAndGEMMs() {
        #expect(CPUBackend.shared.threads >= 2, "needs two threads to reach a worker")
        #expect(Denormals.flushedInWorkerThreads() == Array(repeating: true, count: CPUBackend.shared.threads))
        let x = Self.denormals()
        #expect((x + x).scalars.allSatisfy { $0 == 0 })
        #expect(Self.denormalProduct().allSatisfy { $0 == 0 })
        #expect(Tensor([1e-45]).log().scalars == [-.infinity])  // read as zero, as PyTorch's flush mode does
    }

    @Test func turningItOffKeepsDenormalsEverywhereAndBackOnFlushesAgain() async {
        await #expect(processExitsWith: .success) {
            Denormals.flushToZero = false
            precondition(!Denormals.flushedInThisThread, "still flushing in the calling thread")
            precondition(Denormals.flushedInWorkerThreads().allSatisfy { !$0 }, "still flushing in a worker")
            let x = Self.denormals()
            let d: Float = 1e-40
            precondition((x + x).scalars.allSatisfy { $0 == d + d && $0 != 0 }, "a denormal sum was flushed")
            precondition(Self.denormalProduct().allSatisfy { Swift.abs($0 - 512 * 2e-42) < 1e-41 }, "a denormal GEMM was flushed")
            precondition(Swift.abs(Tensor([1e-45]).log().item - Foundation.log(Float(1e-45))) < 1e-3, "log of a denormal")
            Denormals.flushToZero = true
            precondition(Denormals.flushedInWorkerThreads().allSatisfy { $0 }, "a worker did not flush again")
            precondition((x + x).scalars.allSatisfy { $0 == 0 }, "denormals kept after turning flushing back on")
            precondition(Self.denormalProduct().allSatisfy { $0 == 0 }, "a GEMM kept denormals after turning flushing back on")
        }
    }
}
