import Foundation
import LemmaDistributed
import LemmaNN
import LemmaTensor
import LemmaTrain
import Testing

/// y = tanh(x·A)·B plus noise: a regression small enough to train in milliseconds, with a mean loss over
/// examples, so that shares of a batch weight exactly by their size.
final class Regression: BatchSource {
    let inputs: [[Float]], targets: [[Float]]

    init(count: Int, seed: UInt64) {
        let g = RandomGenerator(seed: seed)
        inputs = (0..<count).map { _ in (0..<5).map { _ in g.nextFloat() * 2 - 1 } }
        targets = inputs.map { x in [tanh(x[0] - x[1]) + 0.5 * x[2], x[3] * x[4] - 0.2] }
    }

    var count: Int { inputs.count }
    func length(of index: Int) -> Int { 0 }
    func batch(_ indices: [Int]) -> (Tensor, Tensor) {
        (Tensor(indices.flatMap { inputs[$0] }, shape: [indices.count, 5]), Tensor(indices.flatMap { targets[$0] }, shape: [indices.count, 2]))
    }
}

final class RegressionTask: TrainingTask {
    let model: Module

    init() {
        let g = RandomGenerator(seed: 11)
        model = Sequential(Linear(5, 12, generator: g), Tanh(), Linear(12, 2, generator: g))
    }

    func loss(on batch: (Tensor, Tensor)) -> Tensor { mseLoss((model as! Sequential)(batch.0), batch.1) }
    func exampleCount(of batch: (Tensor, Tensor)) -> Int { batch.0.shape[0] }
    func evaluate(_ batches: AnySequence<(Tensor, Tensor)>) -> Evaluation {
        var total = 0.0, seen = 0
        for batch in batches {
            total += Double(loss(on: batch).item) * Double(batch.0.shape[0])
            seen += batch.0.shape[0]
        }
        return Evaluation(metrics: ["loss": total / Double(seen)])
    }
}

final class LossLog: TrainerCallback {
    var losses: [Double] = []
    func logged(_ record: LogRecord, _ event: TrainerEvent) { if let loss = record.values["loss"] { losses.append(loss) } }
}

struct DataParallelTests {
    static func options(batch: Int, accumulation: Int = 1) -> TrainingOptions {
        var options = TrainingOptions()
        options.batchSize = batch
        options.gradientAccumulationSteps = accumulation
        // Plain SGD: unlike Adam, its step scales with the gradient, so a wrongly weighted gradient shows.
        options.learningRate = 0.2
        options.optimizer = .sgd
        options.maxSteps = 12
        options.loggingSteps = 1
        options.maxGradNorm = 1
        return options
    }

    /// Losses and final parameters of one process.
    static func alone(batch: Int, accumulation: Int = 1) throws -> (losses: [Double], parameters: [[Float]]) {
        let task = RegressionTask()
        let trainer = try Trainer(task: task, train: Regression(count: 64, seed: 3), valid: Regression(count: 16, seed: 4),
                                  options: options(batch: batch, accumulation: accumulation))
        let log = LossLog()
        trainer.callbacks = [log]
        _ = try trainer.fit()
        return (log.losses, task.model.parameters().map(\.scalars))
    }

    /// The same with `ranks` threads, each a rank of an in-process group; rank 0's losses and every rank's
    /// final parameters.
    static func together(ranks: Int, batch: Int, accumulation: Int = 1) throws -> (losses: [Double], parameters: [[[Float]]]) {
        let group = InProcessGroup(size: ranks)
        let results = ResultBox(count: ranks)
        let threads = (0..<ranks).map { rank in
            Thread {
                do {
                    let task = RegressionTask()
                    // Ranks start from different weights: rank 0's reach the others by broadcast.
                    if rank > 0 { for p in task.model.parameters() { p.backend.copy(Tensor.zeros(p.shape).storage, to: p.storage) } }
                    let trainer = try Trainer(task: task, train: Regression(count: 64, seed: 3), valid: Regression(count: 16, seed: 4),
                                              options: options(batch: batch, accumulation: accumulation))
                    trainer.communicator = group.communicator(rank: rank)
                    let log = LossLog()
                    trainer.callbacks = [log]
                    _ = try trainer.fit()
                    results.set(rank, .success((log.losses, task.model.parameters().map(\.scalars))))
                } catch {
                    results.set(rank, .failure(error))
                }
            }
        }
        threads.forEach { $0.start() }
        let outcomes = try results.wait()
        return (outcomes[0].0, outcomes.map(\.1))
    }

    @Test(arguments: [(2, 8, 1), (2, 7, 1), (3, 8, 2)])
    func ranksTakeTheStepsOfOneProcess(_ ranks: Int, _ batch: Int, _ accumulation: Int) throws {
        let single = try Self.alone(batch: batch, accumulation: accumulation)
        let parallel = try Self.together(ranks: ranks, batch: batch, accumulation: accumulation)
        #expect(single.losses.count == 12 && parallel.losses.count == 12)
        for (a, b) in zip(single.losses, parallel.losses) { #expect(abs(a - b) <= 1e-5 * max(1, abs(a)), "loss \(a) vs \(b)") }
        for rank in parallel.parameters {
            for (p, q) in zip(single.parameters, rank) {
                for (x, y) in zip(p, q) { #expect(abs(x - y) <= 2e-5, "parameter \(x) vs \(y)") }
            }
        }
        // Every rank ends with the same weights, bit for bit.
        for rank in parallel.parameters.dropFirst() { #expect(rank == parallel.parameters[0]) }
    }

    /// Stops the run at a step through a checkpoint-and-stop request, as SIGUSR1 would.
    final class StopAt: TrainerCallback {
        let step: Int
        let requests: TrainingRequests
        init(_ step: Int, _ requests: TrainingRequests) { (self.step, self.requests) = (step, requests) }
        func stepEnded(_ event: TrainerEvent) { if event.state.globalStep == step { _ = requests.receive(.checkpointStop) } }
    }

    /// One process trains 5 steps and stops; two ranks resume from its checkpoint and finish: the same losses
    /// and weights as one process that never stopped (checkpoints hold global state, not anything per rank).
    @Test func twoRanksResumeWhatOneProcessStarted() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-dp-resume-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let single = try Self.alone(batch: 8)

        let first = RegressionTask()
        let starter = try Trainer(task: first, train: Regression(count: 64, seed: 3), valid: Regression(count: 16, seed: 4),
                                  options: Self.options(batch: 8), checkpoints: CheckpointStore(directory: directory))
        let log = LossLog()
        starter.callbacks = [log, StopAt(5, starter.requests)]
        #expect(try starter.fit().reason == .requested)
        let checkpoint = try #require(CheckpointStore(directory: directory).latest)
        #expect(checkpoint.step == 5)

        let group = InProcessGroup(size: 2)
        let results = ResultBox(count: 2)
        for rank in 0..<2 {
            Thread {
                do {
                    let task = RegressionTask()
                    let trainer = try Trainer(task: task, train: Regression(count: 64, seed: 3), valid: Regression(count: 16, seed: 4),
                                              options: Self.options(batch: 8), checkpoints: CheckpointStore(directory: directory))
                    trainer.communicator = group.communicator(rank: rank)
                    try trainer.resume(from: checkpoint.url)
                    let rest = LossLog()
                    trainer.callbacks = [rest]
                    _ = try trainer.fit()
                    results.set(rank, .success((rest.losses, task.model.parameters().map(\.scalars))))
                } catch {
                    results.set(rank, .failure(error))
                }
            }.start()
        }
        let outcomes = try results.wait()
        let losses = log.losses + outcomes[0].0
        #expect(losses.count == single.losses.count)
        for (a, b) in zip(single.losses, losses) { #expect(abs(a - b) <= 1e-5 * max(1, abs(a)), "loss \(a) vs \(b)") }
        for (p, q) in zip(single.parameters, outcomes[1].1) {
            for (x, y) in zip(p, q) { #expect(abs(x - y) <= 2e-5) }
        }
    }

    @Test func collectivesSumBroadcastAndTimeOut() throws {
        let group = InProcessGroup(size: 3, timeout: 0.5)
        let results = ResultBox(count: 3)
        for rank in 0..<3 {
            Thread {
                do {
                    let communicator = group.communicator(rank: rank)
                    var values: [Double] = [Double(rank), 1]
                    try communicator.allReduceSum(&values)
                    let buffer = HostBuffer(count: 4)
                    for i in 0..<4 { buffer.pointer[i] = Float(rank * 10 + i) }
                    try communicator.startAllReduceSum(buffer).wait()
                    let sums = (0..<4).map { buffer.pointer[$0] }
                    let shared = HostBuffer(count: 2)
                    if rank == 1 { (shared.pointer[0], shared.pointer[1]) = (7, 9) }
                    try communicator.broadcast(shared, root: 1)
                    try communicator.barrier()
                    results.set(rank, .success(([values[0], values[1]], [sums, [shared.pointer[0], shared.pointer[1]]])))
                } catch {
                    results.set(rank, .failure(error))
                }
            }.start()
        }
        for (values, floats) in try results.wait() {
            #expect(values == [3, 3])
            #expect(floats[0] == [30, 33, 36, 39])
            #expect(floats[1] == [7, 9])
        }
        // A rank that never arrives: the others give up at the timeout, naming themselves and it.
        let lonely = InProcessGroup(size: 2, timeout: 0.2).communicator(rank: 0)
        var values = [1.0]
        let expected = DistributedError.timeout(operation: "all-reduce", seconds: 0.2, rank: "rank 0 of 2 (in-process)", missing: [1])
        #expect(throws: expected) { try lonely.allReduceSum(&values) }
        #expect(expected.description.contains("rank 1 never reached it"))
    }
}

/// Collects each rank's outcome (losses or values, and float arrays) and waits for all of them.
final class ResultBox: @unchecked Sendable {
    typealias Outcome = ([Double], [[Float]])
    private let condition = NSCondition()
    private var outcomes: [Result<Outcome, any Error>?]

    init(count: Int) { outcomes = Array(repeating: nil, count: count) }

    func set(_ rank: Int, _ outcome: Result<Outcome, any Error>) {
        condition.lock()
        outcomes[rank] = outcome
        condition.broadcast()
        condition.unlock()
    }

    func wait() throws -> [Outcome] {
        condition.lock()
        defer { condition.unlock() }
        while outcomes.contains(where: { $0 == nil }) { condition.wait() }
        return try outcomes.map { try $0!.get() }
    }
}
