import Foundation
import LemmaTensor

/// The final evaluation of a run as stored in `evaluation.json`: which split, its metrics, and the details
/// (texts, confusion matrix) a report shows. `lemma plot` rebuilds plots and reports from it and metrics.jsonl.
public struct EvaluationRecord: Codable, Sendable {
    public var split: String
    public var step: Int
    public var metrics: [String: Double]
    public var texts: [String: String]
    public var confusionLabels: [String]?
    public var confusionCounts: [[Int]]?
    /// Figures the task drew (im2latex's examples and attention maps), in order.
    public var figures: [StoredFigure]?

    public struct StoredFigure: Codable, Sendable {
        public var svg: String, caption: String, fileName: String
        enum CodingKeys: String, CodingKey { case svg, caption, fileName = "file_name" }
    }

    public init(split: String, step: Int, evaluation: Evaluation) {
        self.split = split
        self.step = step
        metrics = evaluation.metrics
        texts = [:]
        for detail in evaluation.details {
            switch detail {
            case .text(let title, let body): texts[title] = body
            case .confusionMatrix(let labels, let counts):
                confusionLabels = labels
                confusionCounts = counts
            case .figure(let svg, let caption, let fileName):
                figures = (figures ?? []) + [StoredFigure(svg: svg, caption: caption, fileName: fileName)]
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case split, step, metrics, texts, figures, confusionLabels = "confusion_labels", confusionCounts = "confusion_counts"
    }
}

/// What a finished run knows about itself besides its metrics: written as summary.json, shown in the report.
public struct RunSummary: Codable, Sendable {
    public var task: String
    public var stopReason: String
    public var steps: Int
    public var epochs: Double
    public var trainingSeconds: Double
    /// Seconds inside optimizer steps alone (no evaluations or checkpoints); nil in older summaries.
    public var stepSeconds: Double?
    public var examplesPerSecond: Double
    public var bestStep: Int?
    public var bestMetric: Double?
    public var metricForBestModel: String
    public var data: [String: Int]
    public var classes: [String]
    public var parameters: Int
    public var trainableParameters: Int
    /// The process's peak resident memory when the run ended (getrusage's maxrss), nil in older summaries.
    public var peakMemoryBytes: Int?

    public init(task: String, stopReason: String, steps: Int, epochs: Double, trainingSeconds: Double,
                examplesPerSecond: Double, bestStep: Int?, bestMetric: Double?, metricForBestModel: String,
                data: [String: Int], classes: [String], parameters: Int, trainableParameters: Int) {
        self.task = task
        self.stopReason = stopReason
        self.steps = steps
        self.epochs = epochs
        self.trainingSeconds = trainingSeconds
        self.examplesPerSecond = examplesPerSecond
        self.bestStep = bestStep
        self.bestMetric = bestMetric
        self.metricForBestModel = metricForBestModel
        self.data = data
        self.classes = classes
        self.parameters = parameters
        self.trainableParameters = trainableParameters
        peakMemoryBytes = RunSummary.processPeakMemoryBytes()
    }

    /// getrusage(RUSAGE_SELF).ru_maxrss, which Linux reports in kilobytes.
    public static func processPeakMemoryBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    enum CodingKeys: String, CodingKey {
        case task, steps, epochs, data, classes, parameters
        case stopReason = "stop_reason", trainingSeconds = "training_seconds", stepSeconds = "step_seconds"
        case examplesPerSecond = "examples_per_second"
        case bestStep = "best_step", bestMetric = "best_metric", metricForBestModel = "metric_for_best_model"
        case trainableParameters = "trainable_parameters", peakMemoryBytes = "peak_memory_bytes"
    }
}

/// Plots and the report of a run directory, made from its files alone (config.yaml, metrics.jsonl,
/// summary.json, evaluation.json, lr_find.json), so `lemma plot` can remake them at any time, even while
/// the run is still training.
public enum RunReportBuilder {
    /// Writes plots/*.svg, report.md and report.html; returns the report.
    @discardableResult
    public static func write(_ run: RunDirectory) throws -> RunReport {
        let configuration = try run.loadConfiguration()
        let records = FileManager.default.fileExists(atPath: run.metrics.path) ? try MetricsLog.read(run.metrics) : []
        let summary: RunSummary? = try readJSON(run.summary)
        let evaluation: EvaluationRecord? = try readJSON(run.evaluation)
        let finder: LearningRateFinderRecord? = try readJSON(run.learningRateFinder)

        var report = RunReport(title: "Lemma run: \(run.url.lastPathComponent)")
        if let summary {
            report.addTable("Training", [
                "task": summary.task,
                "stopped": summary.stopReason,
                "steps": "\(summary.steps)",
                "epochs": String(format: "%.2f", summary.epochs),
                "training time": String(format: "%.1f s", summary.trainingSeconds),
                "throughput": String(format: "%.1f examples/s", summary.examplesPerSecond),
                "best checkpoint": summary.bestStep.map { "step \($0), \(summary.metricForBestModel) = \(String(format: "%.4f", summary.bestMetric ?? .nan))" } ?? "none",
                "parameters": "\(summary.parameters) (\(summary.trainableParameters) trainable)",
                "peak memory": summary.peakMemoryBytes.map { String(format: "%.0f MB (resident)", Double($0) / 1e6) } ?? "not recorded",
            ])
            let counts = summary.data.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            let classes = summary.classes.isEmpty ? "" : " Classes (\(summary.classes.count)): \(summary.classes.joined(separator: ", "))."
            report.addParagraph("Data", "Examples — \(counts).\(classes)")
        }
        if let evaluation {
            let metrics = evaluation.metrics.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }
            report.addParagraph("Results on \(evaluation.split)", metrics.joined(separator: " · "))
            for (title, body) in evaluation.texts.sorted(by: { $0.key < $1.key }) { report.addPreformatted(title, body) }
        }
        for figure in figures(records: records, evaluation: evaluation, finder: finder) {
            report.addFigure(svg: figure.svg, caption: figure.caption, fileName: figure.file)
        }
        report.addPreformatted("Configuration", configuration.yaml())
        try report.write(to: run.url)
        return report
    }

    static func figures(records: [LogRecord], evaluation: EvaluationRecord?, finder: LearningRateFinderRecord?)
        -> [(svg: String, caption: String, file: String)] {
        var figures: [(String, String, String)] = []
        func series(_ name: String, _ key: String) -> LinePlot.Series? {
            let points = records.filter { $0.values[key]?.isFinite == true }
            guard !points.isEmpty else { return nil }
            return LinePlot.Series(name: name, x: points.map { Double($0.step) }, y: points.map { $0.values[key]! })
        }
        let losses = [series("train", "loss"), series("validation", "eval_loss")].compactMap { $0 }
        if !losses.isEmpty {
            figures.append((LinePlot(title: "Loss", xLabel: "step", yLabel: "loss", series: losses).svg(),
                            "Training and validation loss", "loss.svg"))
        }
        let metricKeys = Set(records.flatMap(\.values.keys)).filter { $0.hasPrefix("eval_") && $0 != "eval_loss" }.sorted()
        let metricSeries = metricKeys.compactMap { series(String($0.dropFirst(5)), $0) }
        if !metricSeries.isEmpty {
            figures.append((LinePlot(title: "Validation metrics", xLabel: "step", yLabel: "value", series: metricSeries).svg(),
                            "Validation metrics", "metrics.svg"))
        }
        if let rates = series("learning rate", "learning_rate") {
            figures.append((LinePlot(title: "Learning rate", xLabel: "step", yLabel: "learning rate", series: [rates]).svg(),
                            "Learning-rate schedule", "learning_rate.svg"))
        }
        if let labels = evaluation?.confusionLabels, let counts = evaluation?.confusionCounts {
            figures.append((ConfusionMatrixPlot(classNames: labels, counts: counts,
                                                title: "Confusion matrix (\(evaluation!.split))").svg(),
                            "Confusion matrix on \(evaluation!.split), rows normalized", "confusion_matrix.svg"))
        }
        if let finder {
            figures.append((finder.plot().svg(), "Learning-rate finder", "lr_find.svg"))
        }
        for figure in evaluation?.figures ?? [] { figures.append((figure.svg, figure.caption, figure.fileName)) }
        return figures
    }

    static func readJSON<T: Decodable>(_ url: URL) throws -> T? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        do {
            return try RunJSON.decoder().decode(T.self, from: data)
        } catch {
            throw FileFormatError(url.path, "cannot read: \(CheckpointStore.describe(error))")
        }
    }

    /// Encodes `value` as pretty JSON and writes it atomically.
    public static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        let data = try RunJSON.encoder().encode(value)
        try writeAtomically(to: url) { append in try data.withUnsafeBytes { try append($0) } }
    }
}

/// A learning-rate finder's curve and suggestions, as `lemma lr-find` saves them in lr_find.json.
public struct LearningRateFinderRecord: Codable, Sendable {
    public var learningRates: [Double]
    public var losses: [Double]
    public var smoothedLosses: [Double]
    public var stopReason: String
    public var suggestions: [String: Double]
    public var markers: [String: [Double]]

    public init(_ sweep: LearningRateSweep) {
        learningRates = sweep.learningRates
        losses = sweep.losses
        smoothedLosses = sweep.smoothedLosses
        stopReason = sweep.stopReason?.rawValue ?? "running"
        suggestions = [:]
        markers = [:]
        for result in sweep.suggestions(LearningRateSuggestion.allCases) {
            suggestions[result.method.rawValue] = result.learningRate
            markers[result.method.rawValue] = [result.markerLearningRate, result.markerLoss]
        }
    }

    /// Smoothed loss against the learning rate (log scale), with the suggestions marked. Each line stands at
    /// the learning rate its label and the printed suggestion give (fastai marks `minimum`'s point at the loss
    /// minimum while suggesting a tenth of it; here line, label and value agree).
    public func plot() -> LinePlot {
        let (rates, smoothed) = (learningRates, smoothedLosses)
        let shown = Swift.max(0, rates.count - 5)
        let markers = suggestions.sorted { $0.key < $1.key }.map {
            LinePlot.Marker(x: $0.value, label: "\($0.key) \(String(format: "%.1e", $0.value))")
        }
        return LinePlot(title: "Learning-rate finder", xLabel: "learning rate (log scale)", yLabel: "smoothed loss",
                        series: [LinePlot.Series(name: "loss", x: Array(rates.prefix(shown)), y: Array(smoothed.prefix(shown)))],
                        logarithmicX: true, markers: markers)
    }

    enum CodingKeys: String, CodingKey {
        case learningRates = "learning_rates", losses, smoothedLosses = "smoothed_losses", stopReason = "stop_reason"
        case suggestions, markers
    }
}
