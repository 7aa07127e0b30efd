import ArgumentParser
import Foundation
import Lemma

/// `lemma predict`: labels for new texts, one JSON object per input.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict with a run's trained model: one JSON object per input line (label and probabilities).")

    @Option(name: .customLong("run"), help: "Run directory.") var runDirectory: String
    @Argument(help: "Inputs: a text file with one per line (default: standard input), or a corpus in the training data's format (.csv, .tsv, .jsonl, .tar, a directory), read by the run's text column.")
    var file: String?
    @Option(help: "Inputs per batch.") var batchSize = 64

    static func isCorpus(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return true }
        return ["csv", "tsv", "jsonl", "tar"].contains(URL(fileURLWithPath: path).pathExtension.lowercased())
    }

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let classification = try ClassificationRun.open(RunDirectory(URL(fileURLWithPath: runDirectory)))
        try classification.loadTrainedModel()
        let classes = classification.data.classes
        var pending: [String] = []
        func flush() {
            var out = ""
            for (text, prediction) in zip(pending, classification.predict(pending)) {
                let probabilities = zip(classes, prediction.probabilities)
                    .map { "\(jsonQuoted($0)): \(String(format: "%.6g", Double($1)))" }.joined(separator: ", ")
                out += "{\"text\": \(jsonQuoted(text)), \"label\": \(jsonQuoted(prediction.label)), \"probabilities\": {\(probabilities)}}\n"
            }
            FileHandle.standardOutput.write(Data(out.utf8))
            pending.removeAll(keepingCapacity: true)
        }
        func add(_ text: String) {
            pending.append(text)
            if pending.count == batchSize { flush() }
        }
        if let file, Self.isCorpus(file) {
            // The dataset's own format, streamed: the configured text column or field; labels are ignored.
            let column = classification.configuration.string("data.text_column") ?? "text"
            try CorpusSource(path: file, textColumn: column, labelColumn: nil).forEach { add($0.text) }
        } else {
            for line in try InputLines.read(file) { add(line) }
        }
        if !pending.isEmpty { flush() }
    }
}
