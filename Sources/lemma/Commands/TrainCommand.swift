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
        continues; SIGTERM checkpoints, validates and stops; SIGUSR1 stops without a checkpoint (as seed 003's \
        trainer did; --resume continues from the last one saved). Sending the same \
        signal again before the step ends cancels it. Under mpirun (`mpirun -np 2 lemma train --config C`) the \
        ranks train one model data-parallel: each takes its share of every batch, gradients are averaged, and \
        rank 0 writes the run directory.
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
        // Under mpirun every rank runs this command; rank 0 prepares the run directory and writes everything.
        let world = try MPICommunicator.world()
        if let world, world.size > 1 { DataParallel.communicator = world }
        do {
            try train(world: world.flatMap { $0.size > 1 ? $0 : nil })
        } catch {
            guard let world, world.size > 1 else { throw error }
            let message = "\(error)"
            let line = message.hasPrefix(world.rankDescription) ? message : "\(world.rankDescription): \(message)"
            FileHandle.standardError.write(Data("lemma train: \(line)\n".utf8))
            world.abort(code: 1)
        }
    }

    func train(world: MPICommunicator?) throws {
        let primary = world.map { $0.rank == 0 } ?? true
        let log: (String) -> Void = primary ? { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } : { _ in }
        let run: any TaskRun
        if let resume {
            let directory = RunDirectory(URL(fileURLWithPath: resume))
            if let world {
                try world.adopt(try directory.loadConfiguration())
            }
            run = try TaskRegistry.open(directory, log: log)
        } else {
            let url = URL(fileURLWithPath: config!)
            var configuration = try RunConfiguration(contentsOf: url)
            try configuration.apply(overrides: overrides)
            let path = output ?? configuration.string("output") ?? "runs/" + url.deletingPathExtension().lastPathComponent
            if output != nil { try configuration.apply(overrides: ["output=\(path)"]) }
            let directory = RunDirectory(URL(fileURLWithPath: path))
            if let world {
                try world.adopt(configuration)
                // Rank 0 prepares the data into the run directory; the others open it once it is there.
                if world.rank == 0 { _ = try TaskRegistry.start(configuration, in: directory, log: log) }
                try world.barrier()
                run = try TaskRegistry.open(directory, log: log)
            } else {
                run = try TaskRegistry.start(configuration, in: directory, log: log)
            }
        }
        if let world { log("data parallel: \(world.size) ranks; global batch \(run.configuration.int("train.batch_size") ?? 0)") }
        log(run.overview)
        let (result, evaluation) = try run.train(resume: resume != nil, handleSignals: true, progress: true)
        guard primary else { return }
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

extension MPICommunicator {
    /// Takes the run's `distributed.timeout` and checks that every rank has the same configuration.
    func adopt(_ configuration: RunConfiguration) throws {
        timeout = configuration.double("distributed.timeout") ?? 900
        try DataParallel.checkSameConfiguration(configuration.yaml(), over: self)
    }
}
