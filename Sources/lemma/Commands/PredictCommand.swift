import ArgumentParser
import Foundation
import Lemma

/// `lemma predict`: labels for new texts, one JSON object per input.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict with a run's trained model: one JSON object per input line (label and probabilities).")

    @Option(name: .customLong("run"), help: "Run directory.") var runDirectory: String
    @Argument(help: "Text file, one input per line (default: standard input).") var file: String?
    @Option(help: "Inputs per batch.") var batchSize = 64

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let classification = try ClassificationRun.open(RunDirectory(URL(fileURLWithPath: runDirectory)))
        try classification.loadTrainedModel()
        let classes = classification.data.classes
        let lines = try InputLines.read(file)
        for start in stride(from: 0, to: lines.count, by: batchSize) {
            let texts = Array(lines[start..<min(start + batchSize, lines.count)])
            var out = ""
            for (text, prediction) in zip(texts, classification.predict(texts)) {
                let probabilities = zip(classes, prediction.probabilities)
                    .map { "\(jsonQuoted($0)): \(String(format: "%.6g", Double($1)))" }.joined(separator: ", ")
                out += "{\"text\": \(jsonQuoted(text)), \"label\": \(jsonQuoted(prediction.label)), \"probabilities\": {\(probabilities)}}\n"
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }
}
