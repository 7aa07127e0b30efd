import ArgumentParser
import Foundation
import Lemma

/// `lemma train`: a run from a configuration file into a run directory, or the continuation of one.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model from a configuration (YAML or JSON), or resume a run.",
        discussion: """
        Keys are documented in docs/CONFIG.md. While training: SIGINT (Ctrl-C) checkpoints, validates and \
        continues; SIGTERM checkpoints, validates and stops; SIGUSR1 checkpoints and stops. Sending the same \
        signal again before the step ends cancels it.
        """)

    @Option(help: "Configuration file (.yaml, .yml or .json).") var config: String?
    @Option(name: .customLong("set"), help: "Override a key: --set train.epochs=5 (repeatable).") var overrides: [String] = []
    @Option(help: "Run directory (default: the config's `output`, else runs/<config name>).") var output: String?
    @Option(help: "Continue the run in this directory from its latest checkpoint.") var resume: String?

    func validate() throws {
        if (config == nil) == (resume == nil) { throw ValidationError("give either --config FILE or --resume RUN_DIR") }
        if resume != nil, !overrides.isEmpty || output != nil {
            throw ValidationError("--resume continues a run as configured; --set and --output apply to new runs")
        }
    }

    func run() throws {
        let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let run: any TaskRun
        if let resume {
            run = try TaskRegistry.open(RunDirectory(URL(fileURLWithPath: resume)), log: log)
        } else {
            let url = URL(fileURLWithPath: config!)
            var configuration = try RunConfiguration(contentsOf: url)
            try configuration.apply(overrides: overrides)
            let path = output ?? configuration.string("output") ?? "runs/" + url.deletingPathExtension().lastPathComponent
            if output != nil { try configuration.apply(overrides: ["output=\(path)"]) }
            run = try TaskRegistry.start(configuration, in: RunDirectory(URL(fileURLWithPath: path)), log: log)
        }
        log(run.overview)
        let (result, evaluation) = try run.train(resume: resume != nil, handleSignals: true, progress: true)
        switch result.reason {
        case .requested:
            print("stopped at step \(result.state.globalStep); continue with: lemma train --resume \(run.directory.url.path)")
            return
        case .earlyStopping: print("early stopping at step \(result.state.globalStep)")
        default: break
        }
        if let evaluation {
            print("\(evaluation.split) results (\(result.restoredCheckpoint.map { "weights of \($0.lastPathComponent)" } ?? "final weights")):")
            if let report = evaluation.texts["Classification report"] {
                print(report)
            } else {
                for (name, value) in evaluation.metrics.sorted(by: { $0.key < $1.key }) { print(String(format: "  %@: %.4f", name, value)) }
                for (title, body) in evaluation.texts.sorted(by: { $0.key < $1.key }) { print("\(title):\n\(body)") }
            }
        }
        print(String(format: "%.1f examples/s; run directory %@ (report.md, report.html, metrics.jsonl, tensorboard/)",
                     result.examplesPerSecond, run.directory.url.path))
    }
}
