import ArgumentParser
import Foundation
import Lemma

/// `lemma eval`: the trained model of a run on a labelled corpus.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a run's trained model on a labelled corpus (classification report and confusion matrix).")

    @Option(name: .customLong("run"), help: "Run directory.") var runDirectory: String
    @Option(help: "Labelled corpus in any format `lemma train` reads.") var data: String
    @Flag(help: "Print one JSON object: accuracy, macro_f1, weighted_f1, per_class, loss.") var json = false

    func run() throws {
        let classification = try ClassificationRun.open(RunDirectory(URL(fileURLWithPath: runDirectory)))
        try classification.loadTrainedModel()
        let (metrics, loss) = try classification.evaluate(corpus: data)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var object = try JSONSerialization.jsonObject(with: try encoder.encode(metrics.summary)) as! [String: Any]
            object["loss"] = loss
            object["count"] = metrics.count
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(metrics.report().render())
            print("confusion matrix (rows: true, columns: predicted):")
            print(metrics.confusion.description)
            print(String(format: "loss %.4f on %d examples", loss, metrics.count))
        }
    }
}
