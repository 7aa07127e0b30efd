import ArgumentParser
import Foundation
import Lemma

/// `lemma lr-find`: fastai's learning-rate finder on a configuration's model and data.
struct LearningRateFindCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lr-find",
        abstract: "Sweep the learning rate from 1e-7 to 10 (fastai's lr_find) and suggest one.",
        discussion: "Writes lr_find.json and plots/lr_find.svg into the run directory; training starts from the same weights afterwards.")

    @Option(help: "Configuration file.") var config: String
    @Option(name: .customLong("set"), help: "Override a key (repeatable).") var overrides: [String] = []
    @Option(help: "Run directory (default: runs/<config name>-lr-find).") var output: String?
    @Option(parsing: .unconditional, help: "Sweep steps.") var iterations = 100
    @Option(parsing: .unconditional, help: "First learning rate.") var start = 1e-7
    @Option(parsing: .unconditional, help: "Last learning rate.") var end = 10.0

    func validate() throws {
        if iterations < 6 { throw ValidationError("--iterations must be at least 6") }
        if !(start > 0 && end > start) { throw ValidationError("need 0 < --start < --end") }
    }

    func run() throws {
        let url = URL(fileURLWithPath: config)
        var configuration = try RunConfiguration(contentsOf: url)
        try configuration.apply(overrides: overrides)
        let path = output ?? "runs/" + url.deletingPathExtension().lastPathComponent + "-lr-find"
        let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let run = try TaskRegistry.start(configuration, in: RunDirectory(URL(fileURLWithPath: path)), log: log)
        let sweep = try run.findLearningRate(LearningRateSweep(start: start, end: end, iterations: iterations))
        let record = LearningRateFinderRecord(sweep)
        try RunReportBuilder.writeJSON(record, to: run.directory.learningRateFinder)
        try FileManager.default.createDirectory(at: run.directory.plots, withIntermediateDirectories: true)
        let svg = record.plot().svg()
        try writeAtomically(to: run.directory.plots.appendingPathComponent("lr_find.svg")) { append in
            try Data(svg.utf8).withUnsafeBytes { try append($0) }
        }
        print("swept \(sweep.losses.count) steps (\(record.stopReason))")
        for (method, rate) in record.suggestions.sorted(by: { $0.key < $1.key }) {
            print(String(format: "  %@: %.3g", method, rate))
        }
        print("plot: \(run.directory.plots.appendingPathComponent("lr_find.svg").path)")
    }
}
