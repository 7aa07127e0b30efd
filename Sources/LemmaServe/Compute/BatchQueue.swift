import Foundation

/// Dynamic batching for one model: requests queue here, and the compute thread takes the oldest ones
/// together, as many as fit `maxBatchSize` inputs and `tokenBudget` padded tokens, once the batch is full or
/// its oldest request has waited `maxWait`. Requests only join batches of equal `key` (a translator's
/// decoding settings). A full queue refuses new requests (503) instead of letting latency grow without end.
final class BatchQueue<Input, Output>: ComputeSource, @unchecked Sendable {
    struct Job {
        let id: Int
        let inputs: [Input]
        /// Each input's token count (the batch's padded size is inputs × the longest).
        let costs: [Int]
        let key: AnyHashable
        let arrived: ContinuousClock.Instant
        let continuation: CheckedContinuation<[Output], any Error>
    }

    let name: String
    let executor: ComputeExecutor
    let maxBatchSize: Int, tokenBudget: Int, capacity: Int
    let maxWait: Duration
    let metrics: ServerMetrics
    /// Runs one batch on the compute thread: one output per input, in order.
    let run: ([Input], AnyHashable) throws -> [Output]

    private var waiting: [Job] = []  // guarded by the executor's lock
    private var nextID = 0

    init(name: String, executor: ComputeExecutor, options: ServeOptions, metrics: ServerMetrics,
         run: @escaping ([Input], AnyHashable) throws -> [Output]) {
        self.name = name
        self.executor = executor
        maxBatchSize = options.maxBatchSize
        tokenBudget = options.batchTokenBudget
        capacity = options.queueCapacity
        maxWait = options.maxBatchWait
        self.metrics = metrics
        self.run = run
        executor.register(self)
    }

    /// The outputs of `inputs`, computed in some batch; cancelling the calling task takes a job that has not
    /// started out of the queue.
    func submit(_ inputs: [Input], costs: [Int], key: AnyHashable = 0) async throws -> [Output] {
        precondition(inputs.count == costs.count && !inputs.isEmpty, "BatchQueue.submit: one cost per input")
        let id = executor.locked { () -> Int in nextID += 1; return nextID }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let refused: Bool = executor.locked {
                    if Task.isCancelled { return true }
                    guard waiting.count < capacity else { return true }
                    waiting.append(Job(id: id, inputs: inputs, costs: costs, key: key, arrived: .now, continuation: continuation))
                    metrics.queueLength(model: name, waiting.count)
                    return false
                }
                if refused { continuation.resume(throwing: Task.isCancelled ? CancellationError() : APIError.overloaded) }
            }
        } onCancel: {
            let job: Job? = executor.locked {
                guard let index = waiting.firstIndex(where: { $0.id == id }) else { return nil }
                metrics.queueLength(model: name, waiting.count - 1)
                return waiting.remove(at: index)
            }
            job?.continuation.resume(throwing: CancellationError())
        }
    }

    func nextWork(now: ContinuousClock.Instant) -> ComputeDecision {
        guard let first = waiting.first else { return .idle }
        // The oldest jobs of the first job's key that fit together (the first always does, even if large).
        var taken: [Int] = []
        var count = 0, longest = 0
        var full = false
        for (index, job) in waiting.enumerated() where job.key == first.key {
            let newLongest = max(longest, job.costs.max() ?? 0)
            if !taken.isEmpty, count + job.inputs.count > maxBatchSize || (count + job.inputs.count) * newLongest > tokenBudget {
                full = true
                break
            }
            taken.append(index)
            count += job.inputs.count
            longest = newLongest
        }
        if count >= maxBatchSize || count * longest >= tokenBudget { full = true }
        guard full || now >= first.arrived + maxWait else { return .waitUntil(first.arrived + maxWait) }
        let jobs = taken.map { waiting[$0] }
        for index in taken.reversed() { waiting.remove(at: index) }
        metrics.queueLength(model: name, waiting.count)
        return .run { [self] in execute(jobs) }
    }

    private func execute(_ jobs: [Job]) {
        let inputs = jobs.flatMap(\.inputs)
        metrics.batch(model: name, size: inputs.count)
        do {
            let outputs = try run(inputs, jobs[0].key)
            precondition(outputs.count == inputs.count, "BatchQueue \(name): \(outputs.count) outputs for \(inputs.count) inputs")
            var start = 0
            for job in jobs {
                job.continuation.resume(returning: Array(outputs[start..<(start + job.inputs.count)]))
                start += job.inputs.count
            }
        } catch {
            for job in jobs { job.continuation.resume(throwing: error) }
        }
    }
}
