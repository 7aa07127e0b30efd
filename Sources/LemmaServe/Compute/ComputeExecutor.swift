import Foundation
import LemmaTensor

/// Work a model has for the compute thread: run something now, nothing until a moment (a batch waiting for
/// more requests), or nothing at all.
enum ComputeDecision {
    case run(() -> Void)
    case waitUntil(ContinuousClock.Instant)
    case idle
}

/// Something that feeds the compute thread (a model's batch queue or generation scheduler). `nextWork` is
/// called with the executor's lock held, which also guards the source's queue.
protocol ComputeSource: AnyObject {
    func nextWork(now: ContinuousClock.Instant) -> ComputeDecision
}

/// The one thread that runs every model: tensor kernels already use both cores inside each operation, so
/// batches from different models take turns (round robin) instead of competing for the cores. HTTP handlers
/// never compute; they queue work here and wait for it asynchronously.
final class ComputeExecutor: @unchecked Sendable {
    private let condition = NSCondition()
    private var sources: [ComputeSource] = []
    private var nextSource = 0
    private var stopping = false
    private var thread: Thread?

    func register(_ source: ComputeSource) {
        locked { sources.append(source) }
    }

    /// Runs `body` under the lock that guards every source's queue, then wakes the compute thread.
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        defer {
            condition.signal()
            condition.unlock()
        }
        return try body()
    }

    /// Starts the compute thread; `threads` bounds the cores each of its tensor operations uses (nil: all).
    func start(threads: Int? = nil) {
        let thread = Thread { [self] in
            Denormals.flushToZero = Denormals.flushToZero  // this thread's floating-point mode, as the process's
            if let threads { CPUBackend.shared.threads = threads }  // OpenMP's count is per calling thread
            withNoGrad { loop() }
        }
        thread.name = "lemma-compute"
        thread.stackSize = 16 << 20
        self.thread = thread
        thread.start()
    }

    func stop() { locked { stopping = true } }

    private func loop() {
        condition.lock()
        while !stopping {
            var earliest: ContinuousClock.Instant?
            var work: (() -> Void)?
            let now = ContinuousClock.now
            for offset in 0..<sources.count {
                let index = (nextSource + offset) % sources.count
                switch sources[index].nextWork(now: now) {
                case .run(let body):
                    work = body
                    nextSource = index + 1
                case .waitUntil(let moment):
                    earliest = min(earliest ?? moment, moment)
                case .idle:
                    break
                }
                if work != nil { break }
            }
            if let work {
                condition.unlock()
                work()
                condition.lock()
            } else if let earliest {
                let seconds = Double((earliest - now).components.attoseconds) / 1e18 + Double((earliest - now).components.seconds)
                _ = condition.wait(until: Date(timeIntervalSinceNow: max(0, seconds)))
            } else {
                condition.wait()
            }
        }
        condition.unlock()
    }
}
