import Foundation
import LemmaTensor
import Synchronization
import Testing

struct ConcurrentLanesTests {
    struct Stop: Error {}

    @Test func everyJobRunsOnceWithTheCallersGradModeAndOneThreadEach() throws {
        let seen = Mutex([Int: (recording: Bool, threads: Int, flushes: Bool)]())
        let threadsBefore = CPUBackend.shared.threads
        try withNoGrad {
            try ConcurrentLanes.forEach(40, lanes: 2) { job in
                let state = (GradMode.isEnabled, CPUBackend.shared.threads, Denormals.flushedInThisThread)
                seen.withLock { seen in
                    precondition(seen[job] == nil, "job \(job) ran twice")
                    seen[job] = state
                }
            }
        }
        let all = seen.withLock { $0 }
        #expect(all.keys.sorted() == Array(0..<40))
        #expect(all.values.allSatisfy { !$0.recording && $0.threads == 1 && $0.flushes == Denormals.flushToZero })
        #expect(CPUBackend.shared.threads == threadsBefore)
        #expect(GradMode.isEnabled)
    }

    @Test func jobsGiveTheResultsTheyGiveAlone() throws {
        // The same arithmetic on a lane as on the caller's thread: a GEMM and a reduction per job.
        let g = RandomGenerator(seed: 4)
        let inputs = (0..<8).map { _ in Tensor.uniform([64, 640], low: -1, high: 1, generator: g) }
        let weight = Tensor.uniform([640, 384], low: -0.1, high: 0.1, generator: g)
        let alone = inputs.map { $0.matmul(weight).tanh().logSumExp(axis: 1).scalars }
        let sideBySide = Mutex([[Float]](repeating: [], count: inputs.count))
        try ConcurrentLanes.forEach(inputs.count, lanes: 2) { job in
            let found = inputs[job].matmul(weight).tanh().logSumExp(axis: 1).scalars
            sideBySide.withLock { $0[job] = found }
        }
        for (a, b) in zip(alone, sideBySide.withLock { $0 }) {
            #expect(a.count == b.count)
            #expect(zip(a, b).allSatisfy { Swift.abs($0 - $1) <= 1e-5 * Swift.max(1, Swift.abs($0)) })
        }
    }

    @Test func theFirstErrorStopsNewJobsAndIsRethrown() {
        let started = Atomic<Int>(0)
        #expect(throws: Stop.self) {
            try ConcurrentLanes.forEach(1000, lanes: 2) { job in
                started.add(1, ordering: .relaxed)
                if job == 3 { throw Stop() }
                Thread.sleep(forTimeInterval: 0.001)
            }
        }
        #expect(started.load(ordering: .relaxed) < 20)
    }

    @Test func oneLaneIsAPlainLoopInOrder() throws {
        var order: [Int] = []
        try ConcurrentLanes.forEach(5, lanes: 1) { order.append($0) }
        #expect(order == [0, 1, 2, 3, 4])
        try ConcurrentLanes.forEach(0, lanes: 2) { _ in Issue.record("no jobs to run") }
    }
}
