import Foundation
import LemmaData
import LemmaNN
import LemmaOptim
import LemmaTensor
import LemmaTrain
import Testing

/// Points in two noisy clusters per class; a small MLP with dropout learns them.
final class ToyData: BatchSource {
    let inputs: [[Float]]
    let labels: [Int]

    init(count: Int, seed: UInt64, poison: Int? = nil) {
        let g = RandomGenerator(seed: seed)
        var inputs: [[Float]] = [], labels: [Int] = []
        for i in 0..<count {
            let label = i % 3
            let center: [Float] = [[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 0, 0]][label]
            inputs.append(center.map { $0 + 0.6 * (g.nextFloat() - 0.5) })
            labels.append(label)
        }
        if let poison { inputs[poison][0] = .nan }
        self.inputs = inputs
        self.labels = labels
    }

    var count: Int { inputs.count }
    func length(of index: Int) -> Int { 0 }
    func batch(_ indices: [Int]) -> (Tensor, IndexTensor) {
        (Tensor(indices.flatMap { inputs[$0] }, shape: [indices.count, 4]),
         IndexTensor(indices.map { Int32(labels[$0]) }, shape: [indices.count]))
    }
}

final class ToyTask: TrainingTask {
    let hidden: Linear, output: Linear, dropout: Dropout
    let model: Module

    init(seed: UInt64 = 1, dropout: Float = 0.2) {
        let g = RandomGenerator(seed: seed)
        hidden = Linear(4, 16, generator: g)
        output = Linear(16, 3, generator: g)
        self.dropout = Dropout(dropout)
        model = Sequential(hidden, ReLU(), self.dropout, output)
    }

    func logits(_ x: Tensor) -> Tensor { (model as! Sequential)(x) }
    func loss(on batch: (Tensor, IndexTensor)) -> Tensor { crossEntropy(logits(batch.0), batch.1) }
    func exampleCount(of batch: (Tensor, IndexTensor)) -> Int { batch.0.shape[0] }
    func evaluate(_ batches: AnySequence<(Tensor, IndexTensor)>) -> Evaluation {
        var loss = 0.0, correct = 0, seen = 0
        for (x, y) in batches {
            let z = logits(x)
            loss += Double(crossEntropy(z, y).item) * Double(x.shape[0])
            let predicted = z.argmax(axis: 1).values
            correct += zip(predicted, y.values).filter { $0 == $1 }.count
            seen += x.shape[0]
        }
        return Evaluation(metrics: ["loss": loss / Double(seen), "accuracy": Double(correct) / Double(seen)])
    }
}

/// Records what the trainer reports, and can make a request or stop at a given step.
final class Recorder: TrainerCallback {
    var logs: [LogRecord] = []
    var events: [String] = []
    var stopAt: Int?
    var request: (step: Int, what: TrainingRequest, requests: TrainingRequests)?

    func fitBegan(_ event: TrainerEvent) { events.append("fit") }
    func epochEnded(_ event: TrainerEvent) { events.append("epoch \(event.state.epoch)") }
    func evaluated(_ evaluation: Evaluation, _ event: TrainerEvent) { events.append("eval \(event.state.globalStep)") }
    func saved(_ checkpoint: URL, _ event: TrainerEvent) { events.append("save \(event.state.globalStep)") }
    func logged(_ record: LogRecord, _ event: TrainerEvent) { logs.append(record) }
    func stepEnded(_ event: TrainerEvent) {
        if event.state.globalStep == stopAt { event.control.shouldStop = true }
        if let request, request.step == event.state.globalStep { request.requests.receive(request.what) }
    }
    var losses: [Double] { logs.compactMap { $0.values["loss"] } }
}

func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-trainer-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func toyOptions(_ change: (inout TrainingOptions) -> Void = { _ in }) -> TrainingOptions {
    var options = TrainingOptions()
    options.batchSize = 8
    options.learningRate = 0.05
    options.optimizer = .adamw
    options.scheduler = .linear
    options.warmupSteps = 3
    options.epochs = 4
    options.loggingSteps = 1
    options.saveTotalLimit = 2
    change(&options)
    return options
}

struct TrainerTests {
    @Test func lossFallsAndEventsComeInOrder() throws {
        let task = ToyTask()
        let trainer = try Trainer(task: task, train: ToyData(count: 96, seed: 1), valid: ToyData(count: 30, seed: 2),
                                  options: toyOptions())
        let recorder = Recorder()
        trainer.callbacks = [recorder]
        let result = try trainer.fit()
        #expect(result.reason == .completed)
        #expect(result.state.globalStep == 48)  // 4 epochs × 12 batches
        #expect(recorder.losses.count == 48)
        let first: Double = recorder.losses.prefix(5).reduce(0, +), last: Double = recorder.losses.suffix(5).reduce(0, +)
        #expect(last < first / 3)
        #expect(recorder.events == ["fit", "epoch 1", "eval 12", "epoch 2", "eval 24", "epoch 3", "eval 36", "epoch 4", "eval 48"])
        #expect((result.state.lastEvaluation["eval_accuracy"] ?? 0) > 0.9)
        // The learning rate warms up from 0 (Hugging Face's first step) then decays linearly to zero.
        let rates = recorder.logs.compactMap { $0.values["learning_rate"] }
        #expect(rates[0] == 0)
        #expect(abs(rates[1] - 0.05 / 3) < 1e-8)
        #expect(abs(rates[3] - 0.05) < 1e-8)
        #expect(rates[47] < 0.002)
    }

    @Test func accumulatingTwoHalfBatchesEqualsOneFullBatch() throws {
        func weights(batch: Int, accumulate: Int, steps: Int = 8) throws -> [Float] {
            let task = ToyTask(dropout: 0)
            let trainer = try Trainer(task: task, train: ToyData(count: 64, seed: 1), valid: nil,
                                      options: toyOptions { $0.batchSize = batch; $0.gradientAccumulationSteps = accumulate; $0.epochs = 1 },
                                      order: .sequential)
            let result = try trainer.fit()
            #expect(result.state.globalStep == steps)
            return task.hidden.weight.scalars
        }
        let whole = try weights(batch: 8, accumulate: 1), halves = try weights(batch: 4, accumulate: 2)
        #expect(zip(whole, halves).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(zip(whole, try weights(batch: 8, accumulate: 2, steps: 4)).contains { abs($0 - $1) > 1e-3 })
    }

    @Test func resumedRunMatchesAnUninterruptedOneBitForBit() throws {
        let options = toyOptions { $0.evalSteps = 5; $0.saveSteps = 7; $0.deterministic = true }
        func run(_ directory: URL, stopAt: Int?) throws -> (Trainer<ToyTask, ToyData>, Recorder) {
            let trainer = try Trainer(task: ToyTask(), train: ToyData(count: 90, seed: 1), valid: ToyData(count: 30, seed: 2),
                                      options: options, checkpoints: CheckpointStore(directory: directory))
            let recorder = Recorder()
            if let stopAt { recorder.request = (stopAt, .checkpointStop, trainer.requests) }
            trainer.callbacks = [recorder]
            return (trainer, recorder)
        }
        let (whole, wholeLog) = try run(temporaryDirectory(), stopAt: nil)
        _ = try whole.fit()

        let directory = temporaryDirectory()
        let (first, firstLog) = try run(directory, stopAt: 17)
        let stopped = try first.fit()
        #expect(stopped.reason == .requested && stopped.state.globalStep == 17)
        // A fresh process: new objects, state only from the checkpoint.
        let (second, secondLog) = try run(directory, stopAt: nil)
        let latest = try #require(CheckpointStore(directory: directory).latest)
        #expect(latest.step == 17)
        try second.resume(from: latest.url)
        _ = try second.fit()

        #expect(firstLog.losses + secondLog.losses == wholeLog.losses)
        for ((key, a), (_, b)) in zip(whole.task.model.stateDict().sorted { $0.key < $1.key },
                                      second.task.model.stateDict().sorted { $0.key < $1.key }) {
            #expect(a.scalars == b.scalars, "\(key) differs after resuming")
        }
        #expect(whole.state.bestStep == second.state.bestStep && whole.state.bestMetric == second.state.bestMetric)
    }

    /// An evaluation with no value (NaN loss, infinite perplexity) is saved and read back, not an error that
    /// loses the checkpoint.
    @Test func aCheckpointKeepsNonFiniteMetrics() throws {
        let store = CheckpointStore(directory: temporaryDirectory())
        var state = TrainerState()
        state.lastEvaluation = ["eval_loss": .nan, "perplexity": .infinity, "accuracy": 0.5]
        let url = try store.save(.init(model: ["w": Tensor([1, 2], shape: [2])], optimizer: [:], state: state), step: 3)
        let loaded = try CheckpointStore.load(url).state.lastEvaluation
        #expect(loaded["eval_loss"]?.isNaN == true && loaded["perplexity"] == .infinity && loaded["accuracy"] == 0.5)
    }

    @Test func keepsTheLastCheckpointsAndTheBestAndRestoresTheBest() throws {
        let directory = temporaryDirectory()
        let store = CheckpointStore(directory: directory)
        let task = ToyTask()
        let trainer = try Trainer(task: task, train: ToyData(count: 48, seed: 1), valid: ToyData(count: 30, seed: 2),
                                  options: toyOptions { $0.epochs = 8; $0.evalSteps = 2; $0.saveTotalLimit = 2
                                      $0.metricForBestModel = "accuracy"; $0.learningRate = 0.3 },
                                  checkpoints: store)
        let result = try trainer.fit()
        let steps = store.checkpoints().map(\.step)
        let best = try #require(result.state.bestStep)
        #expect(Set(steps) == Set([best, 46, 48]) || (steps.count == 2 && steps.contains(best)))
        #expect(result.restoredCheckpoint == store.url(step: best))
        let saved = try SafetensorsFile(url: store.url(step: best).appendingPathComponent("model.safetensors"))
        #expect(try saved.tensor("0.weight").scalars == task.hidden.weight.scalars)
        #expect(trainer.options.bestMetricGreaterIsBetter)
    }

    @Test func aBestModelMetricValidationDoesNotReportStopsAtTheFirstEvaluation() throws {
        let trainer = try Trainer(task: ToyTask(), train: ToyData(count: 48, seed: 1), valid: ToyData(count: 30, seed: 2),
                                  options: toyOptions { $0.epochs = 2; $0.evalSteps = 2; $0.metricForBestModel = "bleu" })
        do {
            _ = try trainer.fit()
            Issue.record("training went on without the metric that picks the best model")
        } catch let error as ConfigError {
            #expect("\(error)".contains("'bleu'") && "\(error)".contains("accuracy"), "\(error)")
        }
        #expect(trainer.state.globalStep == 2)
    }

    @Test func earlyStoppingWaitsForPatienceEvaluations() throws {
        let recorder = Recorder()
        // A learning rate of ~0 never improves on the first evaluation.
        let trainer = try Trainer(task: ToyTask(), train: ToyData(count: 40, seed: 1), valid: ToyData(count: 30, seed: 2),
                                  options: toyOptions { $0.epochs = 50; $0.learningRate = 1e-12; $0.earlyStoppingPatience = 3
                                      $0.earlyStoppingThreshold = 1e-3 })
        trainer.callbacks = [recorder]
        let result = try trainer.fit()
        #expect(result.reason == .earlyStopping)
        #expect(result.state.globalStep == 4 * 5)  // best at epoch 1, then 3 epochs without improvement
    }

    @Test func aNaNLossStopsNamingTheStepAndBatch() throws {
        let trainer = try Trainer(task: ToyTask(), train: ToyData(count: 16, seed: 1, poison: 11), valid: nil,
                                  options: toyOptions(), order: .sequential)
        do {
            _ = try trainer.fit()
            Issue.record("a NaN input should stop training")
        } catch let error as TrainingError {
            #expect(error.message.hasPrefix("the loss is NaN at step 2 (epoch 1, batch 2 of 2, examples 8, 9, 10, 11, 12, 13, 14, 15)"))
        }
    }

    @Test func requestsToggleAndSignalRequestsCheckpointAndValidate() throws {
        let requests = TrainingRequests()
        #expect(requests.receive(.checkpointValidateContinue))
        #expect(!requests.receive(.checkpointValidateContinue))  // sent again: cancelled
        #expect(requests.take().isEmpty)

        let directory = temporaryDirectory()
        let trainer = try Trainer(task: ToyTask(), train: ToyData(count: 40, seed: 1), valid: ToyData(count: 30, seed: 2),
                                  options: toyOptions { $0.epochs = 3 }, checkpoints: CheckpointStore(directory: directory))
        let recorder = Recorder()
        recorder.request = (3, .checkpointValidateContinue, trainer.requests)
        trainer.callbacks = [recorder]
        let result = try trainer.fit()
        #expect(result.reason == .completed && result.state.globalStep == 15)
        #expect(recorder.events.starts(with: ["fit", "eval 3", "save 3", "epoch 1", "eval 5", "save 5"]))
    }

    @Test func sigtermRequestCheckpointsValidatesAndStops() throws {
        let directory = temporaryDirectory()
        let trainer = try Trainer(task: ToyTask(), train: ToyData(count: 40, seed: 1), valid: ToyData(count: 30, seed: 2),
                                  options: toyOptions { $0.epochs = 3 }, checkpoints: CheckpointStore(directory: directory))
        let recorder = Recorder()
        recorder.request = (7, .checkpointValidateStop, trainer.requests)
        trainer.callbacks = [recorder]
        let result = try trainer.fit()
        #expect(result.reason == .requested && result.state.globalStep == 7)
        #expect(recorder.events.suffix(2) == ["eval 7", "save 7"])
        let saved = try CheckpointStore.load(CheckpointStore(directory: directory).url(step: 7))
        #expect(saved.state.lastEvaluationStep == 7 && saved.state.batchInEpoch == 2 && saved.state.epoch == 1)
    }

    @Test func learningRateFinderSweepsThenRestoresTheModel() throws {
        let task = ToyTask()
        let trainer = try Trainer(task: task, train: ToyData(count: 64, seed: 1), valid: nil, options: toyOptions())
        let before = task.hidden.weight.scalars
        let sweep = try trainer.findLearningRate(LearningRateSweep(iterations: 60))
        #expect(task.hidden.weight.scalars == before)
        #expect(sweep.stopReason == .diverged || sweep.stopReason == .completed)
        #expect(sweep.learningRates.first! == 1e-7 && sweep.learningRates.count >= 20)
        let valley = try #require(sweep.suggestions([.valley]).first)
        #expect(valley.learningRate > 1e-5 && valley.learningRate < 1)
        // Training afterwards starts from the untouched weights and optimizer.
        let result = try trainer.fit()
        #expect(result.state.globalStep == 32)
    }

    @Test func callbacksCanStopTheRun() throws {
        let trainer = try Trainer(task: ToyTask(), train: ToyData(count: 40, seed: 1), valid: nil, options: toyOptions())
        let recorder = Recorder()
        recorder.stopAt = 7
        trainer.callbacks = [recorder]
        let result = try trainer.fit()
        #expect(result.reason == .callback && result.state.globalStep == 7)
    }

    @Test func interruptedSavesNeverLookLikeCheckpoints() throws {
        let directory = temporaryDirectory()
        let store = CheckpointStore(directory: directory)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent(".staging-99-123"), withIntermediateDirectories: true)
        #expect(store.latest == nil)
        var state = TrainerState()
        state.globalStep = 4
        state.randomState = ["1", "2", "3", "4"]
        try store.save(.init(model: ["w": Tensor([1, 2])], optimizer: ["optimizer.x": Tensor([3])], state: state), step: 4)
        try store.save(.init(model: ["w": Tensor([5, 6])], optimizer: ["optimizer.x": Tensor([3])], state: state), step: 4)
        #expect(store.checkpoints().map(\.step) == [4])
        let loaded = try CheckpointStore.load(store.url(step: 4))
        #expect(loaded.model["w"]?.scalars == [5, 6] && loaded.state == state)
        store.prune(keep: 1, protecting: nil)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(names == ["checkpoint-00000004"])
        // Rewriting the state is damage too: the checksum catches it before the JSON is read.

        try Data("{\"global_step\": \"x\"}".utf8).write(to: store.url(step: 4).appendingPathComponent("trainer_state.json"))
        #expect(throws: FileFormatError.self) { try CheckpointStore.load(store.url(step: 4)) }
    }

    @Test func aDamagedLatestCheckpointIsNamedAndTheNewestIntactOneIsUsed() throws {
        let directory = temporaryDirectory()
        let store = CheckpointStore(directory: directory)
        var state = TrainerState()
        state.randomState = ["1", "2", "3", "4"]
        for step in [2, 4, 6] {
            state.globalStep = step
            try store.save(.init(model: ["w": Tensor([Float(step), 1, 2, 3])], optimizer: ["optimizer.x": Tensor([3])], state: state), step: step)
        }
        // Truncate the newest checkpoint's model (a copy cut short), flip one byte of the middle one's optimizer.
        let newest = store.url(step: 6).appendingPathComponent(CheckpointStore.modelFile)
        let bytes = try Data(contentsOf: newest)
        try bytes.prefix(bytes.count - 8).write(to: newest)
        let middle = store.url(step: 4).appendingPathComponent(CheckpointStore.optimizerFile)
        var flipped = try Data(contentsOf: middle)
        flipped[flipped.count - 1] ^= 0x40
        try flipped.write(to: middle)
        var lines: [String] = []
        let intact = try #require(store.latestIntact { lines.append($0) })
        #expect(intact.step == 2)
        #expect(lines.count == 2 && lines[0].contains("checkpoint-00000006") && lines[0].contains("model.safetensors")
                && lines[0].contains("truncated") && lines[1].contains("optimizer.safetensors") && lines[1].contains("CRC-32C"), "\(lines)")
        #expect(throws: FileFormatError.self) { try CheckpointStore.load(store.url(step: 6)) }
        #expect(try CheckpointStore.load(intact.url).model["w"]?.scalars == [2, 1, 2, 3])
    }

    @Test func theCRCInstructionAgreesWithTheTable() {
        let generator = RandomGenerator(seed: 5)
        for length in [0, 1, 7, 8, 9, 63, 1000] {
            let bytes = (0..<length).map { _ in UInt8(generator.nextInt(below: 256)) }
            #expect(bytes.withUnsafeBytes { FileChecksum.crc32c($0) } == CRC32C.checksum(bytes), "\(length) bytes")
        }
        #expect(Array("123456789".utf8).withUnsafeBytes { FileChecksum.crc32c($0) } == 0xE306_9283)  // the standard check value
    }

    @Test func metricsLogKeepsRecordsUpToTheCheckpointOnResume() throws {
        let url = temporaryDirectory().appendingPathComponent("metrics.jsonl")
        let log = try MetricsLog(url: url)
        let event = TrainerEvent(state: TrainerState(), control: TrainerControl(), batchesPerEpoch: 1, stepExamples: 0)
        for step in 1...5 { log.logged(LogRecord(step: step, epoch: Double(step) / 2, values: ["loss": Double(step)]), event) }
        // A write cut short by a kill.
        let handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
        handle.write(Data("{\"step\": 6, \"lo".utf8))
        try handle.close()
        _ = try MetricsLog(url: url, keepingThrough: 3)
        #expect(try MetricsLog.read(url).map(\.step) == [1, 2, 3])
        #expect(try MetricsLog.read(url)[1].values["loss"] == 2)
        try Data("{\"step\": 1}\nnot json\n".utf8).write(to: url)
        #expect(throws: FileFormatError(url.path, "line 2: expected a JSON object with an integer \"step\"")) {
            try MetricsLog.read(url)
        }
    }
}
