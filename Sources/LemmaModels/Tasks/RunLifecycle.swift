import Foundation
import LemmaData
import LemmaNN
import LemmaTensor
import LemmaTrain

/// The steps every task's run shares: making the run directory, training with the standard callbacks, and
/// writing the model, summary and report at the end.
enum RunLifecycle {
    /// Creates `directory`, runs `prepare` (which fills data/ and returns the run), and writes config.yaml
    /// last, since a directory with config.yaml is a run that can be resumed, with the working directory its
    /// relative paths were read from. On failure nothing half-made is left behind.
    static func start<Run>(_ configuration: RunConfiguration, in directory: RunDirectory, prepare: () throws -> Run) throws -> Run {
        if FileManager.default.fileExists(atPath: directory.configuration.path) {
            throw ConfigError("\(directory.url.path) already holds a run; resume it with --resume or choose another --output")
        }
        _ = try TrainingOptions(configuration)
        var isDirectory: ObjCBool = false
        let existed = FileManager.default.fileExists(atPath: directory.url.path, isDirectory: &isDirectory)
        if existed, !isDirectory.boolValue { throw ConfigError("\(directory.url.path): is a file; --output names the run's directory") }
        do { try FileManager.default.createDirectory(at: directory.url, withIntermediateDirectories: true) } catch {
            // Foundation's message ("The file … couldn't be saved") names neither the cause nor the path at fault:
            // the nearest existing ancestor is.
            var ancestor = directory.url.deletingLastPathComponent()
            while !FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory), ancestor.path != "/" {
                ancestor.deleteLastPathComponent()
            }
            let reason = !isDirectory.boolValue ? "\(ancestor.path) is a file" : access(ancestor.path, W_OK) != 0
                ? "\(ancestor.path) is not writable" : error.localizedDescription
            throw ConfigError("\(directory.url.path): cannot create the run directory: \(reason)")
        }
        do {
            let run = try prepare()
            try writeAtomically(to: directory.configuration) { append in
                try Data(configuration.recordingWorkingDirectory().yaml().utf8).withUnsafeBytes { try append($0) }
            }
            return run
        } catch {
            if existed { try? FileManager.default.removeItem(at: directory.data) } else { try? FileManager.default.removeItem(at: directory.url) }
            throw error
        }
    }

    /// Resumes from the latest checkpoint when asked, attaches the metrics log, TensorBoard, the progress bar
    /// and `extra` callbacks, and trains.
    static func fit<Task, Source>(_ trainer: Trainer<Task, Source>, directory: RunDirectory, resume: Bool, handleSignals: Bool,
                                  progress: Bool, extra: [any TrainerCallback] = [], log: (String) -> Void) throws -> TrainingResult {
        var keepThrough: Int?
        trainer.communicator = DataParallel.communicator
        if resume {
            guard let checkpoints = trainer.checkpoints, !checkpoints.checkpoints().isEmpty else {
                throw ConfigError("\(directory.url.path): no checkpoint to resume from")
            }
            guard let latest = checkpoints.latestIntact(log: log) else {
                throw ConfigError("\(directory.url.path): every checkpoint is damaged; nothing to resume from")
            }
            try trainer.resume(from: latest.url)
            keepThrough = latest.step
            if trainer.isPrimary { log("resuming from \(latest.url.lastPathComponent) (step \(latest.step) of \(trainer.state.totalSteps))") }
        }
        // Only rank 0 writes logs (the trainer calls no callback on other ranks; they must not open files either).
        if trainer.isPrimary {
            var callbacks: [any TrainerCallback] = extra + [try MetricsLog(url: directory.metrics, keepingThrough: keepThrough),
                                                             try TensorBoardLog(directory: directory.tensorBoard,
                                                                                purgeStep: keepThrough.map { $0 + 1 })]
            if progress { callbacks.append(ProgressDisplay()) }
            trainer.callbacks = callbacks
        }
        if handleSignals { trainer.requests.listenForSignals() }
        defer { if handleSignals { trainer.requests.stopListening() } }
        return try trainer.fit()
    }

    /// Writes evaluation.json (when there is an evaluation), summary.json, the plots and the report.
    static func finish<Task, Source>(_ trainer: Trainer<Task, Source>, result: TrainingResult, task: String, directory: RunDirectory,
                                     record: EvaluationRecord?, counts: [String: Int], classes: [String] = []) throws {
        if let record { try RunReportBuilder.writeJSON(record, to: directory.evaluation) }
        let model = trainer.task.model
        var summary = RunSummary(
            task: task, stopReason: result.reason.rawValue, steps: result.state.globalStep,
            epochs: result.state.epochProgress(batchesPerEpoch: trainer.batchesPerEpoch),
            trainingSeconds: result.state.trainingSeconds, examplesPerSecond: result.examplesPerSecond,
            bestStep: result.state.bestStep, bestMetric: result.state.bestMetric,
            metricForBestModel: trainer.options.bestMetricName, data: counts, classes: classes,
            parameters: model.parameterCount(), trainableParameters: model.parameterCount(trainableOnly: true))
        summary.stepSeconds = result.state.stepSeconds
        try RunReportBuilder.writeJSON(summary, to: directory.summary)
        try RunReportBuilder.write(directory)
    }

    /// The final evaluation (on the test split, else the validation split, when there is one), then `finish`
    /// with each split's size (`counted`, under `countKey("train")` …).
    static func evaluateAndFinish<Task, Source, Split>(
        _ trainer: Trainer<Task, Source>, result: TrainingResult, task: String, directory: RunDirectory,
        splits: (train: Split, valid: Split?, test: Split?), counted: (Split) -> Int, countKey: (String) -> String = { $0 },
        classes: [String] = [], evaluate: (Split) throws -> Evaluation) throws -> EvaluationRecord? {
        var record: EvaluationRecord?
        if let (name, split) = splits.test.map({ ("test", $0) }) ?? splits.valid.map({ ("validation", $0) }) {
            record = EvaluationRecord(split: name, step: result.state.globalStep, evaluation: try evaluate(split))
        }
        var counts = [countKey("train"): counted(splits.train)]
        if let valid = splits.valid { counts[countKey("valid")] = counted(valid) }
        if let test = splits.test { counts[countKey("test")] = counted(test) }
        try finish(trainer, result: result, task: task, directory: directory, record: record, counts: counts, classes: classes)
        return record
    }

    /// Writes model.safetensors with its integrity record, naming the checkpoint with the same weights: the
    /// restored best, else the one saved at the last step.
    static func saveTrainedModel(_ model: Module, directory: RunDirectory, result: TrainingResult) throws {
        let saved = CheckpointStore(directory: directory.checkpoints).checkpoints().last { $0.step == result.state.globalStep }
        try TrainedModelFile(directory: directory).save(model, sameAs: result.restoredCheckpoint ?? saved?.url)
    }

    /// Loads model.safetensors into `model` after checking it against its record (a damaged file is reported
    /// and a checkpoint's weights used instead), or says the run has not finished.
    static func loadTrainedModel(_ model: Module, directory: RunDirectory, log: (String) -> Void) throws {
        try TrainedModelFile(directory: directory).load(into: model, log: log)
    }
}
