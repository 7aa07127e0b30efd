import Foundation
import LemmaData
import LemmaNN
import LemmaTensor
import LemmaText
import LemmaTrain

/// A text-classification run in a run directory: what `lemma train`, `eval`, `predict` and `lr-find` do for
/// `task: classification`. Starting one prepares the data into the directory; reopening one (resume, eval,
/// predict) reads everything back from there, never from the original corpora.
public final class ClassificationRun: TaskRun {
    public let directory: RunDirectory
    public let configuration: RunConfiguration
    public let data: ClassificationData
    public let task: ClassificationTask
    public let trainer: Trainer<ClassificationTask, TokenDatasetSource>
    public let collator: Collator
    public let maxLength: Int
    let log: (String) -> Void

    /// The final weights (the best checkpoint's when `load_best_model_at_end`), for eval and predict.
    public var modelFile: URL { directory.url.appendingPathComponent("model.safetensors") }

    /// A new run: writes config.yaml and prepares the data. Refuses a directory that already holds a run.
    public static func start(_ configuration: RunConfiguration, in directory: RunDirectory,
                             log: @escaping (String) -> Void = { _ in }) throws -> ClassificationRun {
        let settings = try ClassificationData.Settings(configuration)
        return try RunLifecycle.start(configuration, in: directory) {
            let data = try ClassificationData.prepare(settings, into: directory.data, log: log)
            return try ClassificationRun(configuration, directory: directory, data: data, log: log)
        }
    }

    /// An existing run, as its directory holds it.
    public static func open(_ directory: RunDirectory, log: @escaping (String) -> Void = { _ in }) throws -> ClassificationRun {
        try ClassificationRun(opening: try directory.loadConfiguration(), directory: directory, log: log)
    }

    /// An existing run whose configuration has been read.
    public convenience init(opening configuration: RunConfiguration, directory: RunDirectory, log: @escaping (String) -> Void) throws {
        let data = try ClassificationData.open(directory.data, settings: try ClassificationData.Settings(configuration))
        try self.init(configuration, directory: directory, data: data, log: log)
    }

    init(_ configuration: RunConfiguration, directory: RunDirectory, data: ClassificationData,
         log: @escaping (String) -> Void) throws {
        guard configuration.string("task") == "classification" else {
            throw ConfigError("a classification run cannot run 'task' \(configuration.task); open it through TaskRegistry")
        }
        self.configuration = configuration
        self.directory = directory
        self.data = data
        self.log = log
        let options = try TrainingOptions(configuration)
        maxLength = configuration.int("tokenizer.max_length") ?? 128
        let fixedLength = configuration.string("model.arch") == "mlp"
        collator = Collator(padID: data.tokenizer.specialTokenIDs.pad ?? 0, maxLength: maxLength, padToMaxLength: fixedLength)
        let classifier = try ClassifierFactory.make(configuration, tokenizer: data.tokenizer, classCount: data.classes.count, log: log)
        var weights: [Float]?
        if configuration.string("train.class_weights") == "balanced" {
            let counts = data.train.info.examplesPerLabel
            weights = ClassWeights.ordered(ClassWeights.balanced(counts: counts), classes: data.classes)
        }
        task = ClassificationTask(classifier: classifier, classes: data.classes, classWeights: weights)
        let recurrent = ["rnn", "gru", "lstm", "bilstm"].contains(configuration.string("model.arch") ?? "")
        let order: BatchSampler.Order = recurrent ? .bucketed(bounds: Self.bucketBounds(maxLength)) : .shuffled
        let collator = self.collator
        let valid = data.valid.map { TokenDatasetSource($0, collator: collator) }
        trainer = try Trainer(task: task, train: TokenDatasetSource(data.train, collator: collator), valid: valid, options: options,
                              checkpoints: CheckpointStore(directory: directory.checkpoints), order: order)
    }

    /// Length buckets for recurrent models, which pay for every padded step.
    static func bucketBounds(_ maxLength: Int) -> [Int] {
        var bounds: [Int] = [], bound = 8
        while bound < maxLength {
            bounds.append(bound)
            bound *= 2
        }
        return bounds
    }

    /// Trains (from the latest checkpoint when `resume`), then evaluates the final model on the test split
    /// (or validation) and writes model.safetensors, evaluation.json, summary.json, plots and the report.
    @discardableResult
    public func train(resume: Bool, handleSignals: Bool, progress: Bool) throws -> (TrainingResult, EvaluationRecord?) {
        let result = try RunLifecycle.fit(trainer, directory: directory, resume: resume, handleSignals: handleSignals,
                                          progress: progress, log: log)
        // Requested: to be resumed, not finished. Other data-parallel ranks leave the writing to rank 0.
        guard result.reason != .requested, trainer.isPrimary else { return (result, nil) }
        try RunLifecycle.saveTrainedModel(task.model, directory: directory, result: result)

        let record = try RunLifecycle.evaluateAndFinish(
            trainer, result: result, task: "classification", directory: directory, splits: (data.train, data.valid, data.test),
            counted: \.count, classes: data.classes) { trainer.evaluate(TokenDatasetSource($0, collator: collator)) }
        return (result, record)
    }

    public var overview: String {
        "model: \(configuration.string("model.arch") ?? "?"), \(task.model.parameterCount()) parameters "
            + "(\(task.model.parameterCount(trainableOnly: true)) trainable); \(trainer.state.totalSteps) steps"
    }

    public func findLearningRate(_ sweep: LearningRateSweep) throws -> LearningRateSweep {
        try trainer.findLearningRate(sweep)
    }

    /// Loads the trained weights written at the end of training.
    public func loadTrainedModel() throws {
        try RunLifecycle.loadTrainedModel(task.model, directory: directory, log: log)
    }

    /// Reads and tokenizes a labelled corpus with the run's tokenizer and label map.
    public func evaluate(corpus path: String) throws -> (ClassificationMetrics, loss: Double) {
        let settings = try ClassificationData.Settings(configuration)
        var ids: [[Int32]] = [], labels: [Int] = []
        let source = CorpusSource(path: path, textColumn: settings.train.textColumn, labelColumn: settings.train.labelColumn)
        try ClassificationData.forEachKept(source, settings.labelMap, nil) { example, label in
            guard let index = data.classes.firstIndex(of: label) else {
                throw FileFormatError(path, "\(example.source.place): label '\(label)' is not one of the run's classes (\(data.classes.joined(separator: ", ")))")
            }
            ids.append(data.tokenizer.encode(example.text, maxLength: maxLength, padToMaxLength: false).ids)
            labels.append(index)
        }
        guard !ids.isEmpty else { throw FileFormatError(path, "no labelled examples") }
        let size = trainer.options.evalBatchSize ?? trainer.options.batchSize
        let batches = stride(from: 0, to: ids.count, by: size).map { start -> Batch in
            let end = min(start + size, ids.count)
            return collator.collate(Array(ids[start..<end]), labels: Array(labels[start..<end]))
        }
        task.model.eval()
        return withNoGrad { task.measure(AnySequence(batches)) }
    }

    /// The predicted class and the probability of every class, for each text.
    /// `padToMultipleOf`: see `Collator.padToMultipleOf` (servers use it; the probabilities are the same).
    public func predict(_ texts: [String], padToMultipleOf: Int? = nil) -> [(label: String, probabilities: [Float])] {
        guard !texts.isEmpty else { return [] }
        var collator = self.collator
        collator.padToMultipleOf = padToMultipleOf
        let probabilities = task.probabilities(data.batch(texts, maxLength: maxLength, collator: collator))
        let classCount = data.classes.count
        let values = probabilities.scalars
        return (0..<texts.count).map { row in
            let p = Array(values[row * classCount..<(row + 1) * classCount])
            let best = p.indices.max { p[$0] < p[$1] }!
            return (data.classes[best], p)
        }
    }
}
