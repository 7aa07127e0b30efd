import Foundation
import LemmaTrain

/// What `lemma train`, `eval`, `predict` and `lr-find` need of a run, whatever its task. Each task
/// (`ClassificationRun`, `Seq2SeqRun`, …) prepares its data into the run directory when it starts and reads
/// everything back from there when reopened, so the layout of a run directory is the same for every task.
public protocol TaskRun: AnyObject {
    var directory: RunDirectory { get }
    var configuration: RunConfiguration { get }
    /// One line for the log: preset, parameters, steps.
    var overview: String { get }
    /// Trains (from the latest checkpoint when `resume`), then evaluates and writes the model and reports.
    @discardableResult
    func train(resume: Bool, handleSignals: Bool, progress: Bool) throws -> (TrainingResult, EvaluationRecord?)
    /// fastai's learning-rate finder on the run's model and training data.
    func findLearningRate(_ sweep: LearningRateSweep) throws -> LearningRateSweep
    /// Loads the weights written at the end of training (for eval and predict).
    func loadTrainedModel() throws
}

/// The one place a `task:` name becomes a run: every command dispatches through it.
public enum TaskRegistry {
    public struct Entry: Sendable {
        public let start: @Sendable (RunConfiguration, RunDirectory, @escaping (String) -> Void) throws -> any TaskRun
        public let open: @Sendable (RunConfiguration, RunDirectory, @escaping (String) -> Void) throws -> any TaskRun
        /// `lemma prepare --config`: the task's data prepared once into a directory that runs then name in
        /// `data.prepared`; returns a summary line. Nil for tasks whose corpora `lemma prepare --input` takes.
        public var prepare: (@Sendable (RunConfiguration, URL, @escaping (String) -> Void) throws -> String)?
    }

    public static let entries: [String: Entry] = [
        "classification": Entry(start: { try ClassificationRun.start($0, in: $1, log: $2) },
                                open: { try ClassificationRun(opening: $0, directory: $1, log: $2) }),
        "seq2seq": Entry(start: { try Seq2SeqRun.start($0, in: $1, log: $2) },
                         open: { try Seq2SeqRun(opening: $0, directory: $1, log: $2) }),
        "language_model": Entry(start: { try LanguageModelRun.start($0, in: $1, log: $2) },
                                open: { try LanguageModelRun(opening: $0, directory: $1, log: $2) }),
        "im2latex": Entry(start: { try Im2LatexRun.start($0, in: $1, log: $2) },
                          open: { try Im2LatexRun(opening: $0, directory: $1, log: $2) },
                          prepare: { try Im2LatexData.prepareAlone(try Im2LatexData.Settings($0), into: $1, log: $2) }),
    ]

    /// The tasks that can be trained today, in the schema's order.
    public static var available: [String] { ConfigSchema.tasks.filter { entries[$0] != nil } }

    static func entry(_ task: String) throws -> Entry {
        guard let entry = entries[task] else {
            throw ConfigError("task '\(task)' is not available yet; available: \(available.joined(separator: ", "))")
        }
        return entry
    }

    /// A new run of the configuration's task in `directory` (which must not already hold one).
    public static func start(_ configuration: RunConfiguration, in directory: RunDirectory,
                             log: @escaping (String) -> Void = { _ in }) throws -> any TaskRun {
        try entry(configuration.task).start(configuration, directory, log)
    }

    /// The configuration's data prepared into `output` (a new directory) for runs to share.
    public static func prepare(_ configuration: RunConfiguration, into output: URL,
                               log: @escaping (String) -> Void = { _ in }) throws -> String {
        guard let prepare = try entry(configuration.task).prepare else {
            let takers = available.filter { entries[$0]?.prepare != nil }.joined(separator: ", ")
            throw ConfigError("task '\(configuration.task)' prepares its corpus with `lemma prepare --input FILE`; --config takes \(takers)")
        }
        return try prepare(configuration, output, log)
    }

    /// The run in `directory`, as it was configured.
    public static func open(_ directory: RunDirectory, log: @escaping (String) -> Void = { _ in }) throws -> any TaskRun {
        let configuration = try directory.loadConfiguration()
        return try entry(configuration.task).open(configuration, directory, log)
    }
}
