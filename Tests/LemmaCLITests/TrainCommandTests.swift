import Foundation
import Testing

/// `lemma train / eval / predict / plot` on a small synthetic corpus, through the built binary, including a
/// run stopped by a signal and resumed.
struct TrainCommandTests {
    let cli = CommandLineTests()

    /// Three classes, each with its own words mixed with shared ones.
    static func corpus(count: Int, seed: Int) -> String {
        let own = [["lemma", "proof", "qed", "hence"], ["define", "denote", "called", "notation"], ["theorem", "holds", "every", "exists"]]
        let shared = ["the", "a", "of", "set", "x", "y", "and", "is"]
        var state = UInt64(seed) &* 6_364_136_223_846_793_005 &+ 1
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        var lines: [String] = []
        for i in 0..<count {
            let label = i % 3
            let words = (0..<(4 + next(8))).map { _ in next(3) == 0 ? own[label][next(4)] : shared[next(shared.count)] }
            lines.append("{\"text\": \"\(words.joined(separator: " "))\", \"label\": \"class\(label)\"}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func setUp() throws -> (directory: URL, config: URL) {
        let directory = try cli.temporaryDirectory()
        try Self.corpus(count: 240, seed: 1).write(to: directory.appendingPathComponent("train.jsonl"), atomically: true, encoding: .utf8)
        try Self.corpus(count: 60, seed: 2).write(to: directory.appendingPathComponent("test.jsonl"), atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("config.yaml")
        try """
        task: classification
        data:
          train: \(directory.path)/train.jsonl
          test: \(directory.path)/test.jsonl
          valid_fraction: 0.2
        tokenizer:
          max_length: 16
        model:
          arch: cnn
          embedding_dim: 16
          num_filters: 8
          dropout: 0.2
        train:
          batch_size: 8
          learning_rate: 0.01
          epochs: 6
          logging_steps: 1
          eval_steps: 12
          metric_for_best_model: accuracy
          deterministic: true
        """.write(to: config, atomically: true, encoding: .utf8)
        return (directory, config)
    }

    @Test func trainEvalPredictAndPlotShareOneRunDirectory() throws {
        let (directory, config) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("run")
        let trained = try cli.run(["train", "--config", config.path, "--output", run.path])
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.output.contains("test results"))
        #expect(trained.output.contains("weighted avg"))
        for name in ["config.yaml", "metrics.jsonl", "model.safetensors", "evaluation.json", "summary.json", "report.md",
                     "report.html", "plots/loss.svg", "plots/metrics.svg", "plots/learning_rate.svg", "plots/confusion_matrix.svg",
                     "data/train", "data/valid", "data/test", "data/vocab.txt"] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(name).path), "missing \(name)")
        }
        // The optimizer steps' own time is part of the training time, which also holds 12 evaluations.
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("summary.json"))) as! [String: Any]
        let stepSeconds = try #require(summary["step_seconds"] as? Double)
        let trainingSeconds = try #require(summary["training_seconds"] as? Double)
        #expect(stepSeconds > 0 && stepSeconds < trainingSeconds)
        let events = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("tensorboard").path)
        #expect(events.contains { $0.hasPrefix("events.out.tfevents.") })
        // 192 training examples, batches of 8: 24 steps per epoch, 144 in all; evaluated every 12.
        let lines = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.filter { $0.contains("\"loss\"") }.count == 144)
        #expect(lines.filter { $0.contains("\"eval_accuracy\"") }.count == 12)

        let evaluated = try cli.run(["eval", "--run", run.path, "--data", directory.appendingPathComponent("test.jsonl").path, "--json"])
        #expect(evaluated.status == 0, "\(evaluated.error)")
        let object = try JSONSerialization.jsonObject(with: Data(evaluated.output.utf8)) as! [String: Any]
        #expect(Set(["accuracy", "macro_f1", "weighted_f1", "per_class"]).isSubset(of: Set(object.keys)))
        let accuracy = try #require(object["accuracy"] as? Double)
        #expect(accuracy > 0.8)
        let stored = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("evaluation.json"))) as! [String: Any]
        #expect(abs(((stored["metrics"] as! [String: Double])["accuracy"] ?? -1) - accuracy) < 1e-12)

        let predicted = try cli.run(["predict", "--run", run.path], input: "lemma proof qed hence\ndefine notation called\n")
        #expect(predicted.status == 0, "\(predicted.error)")
        let rows = predicted.output.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(rows.map { $0["label"] as? String } == ["class0", "class1"])
        let probabilities = rows[0]["probabilities"] as! [String: Double]
        #expect(abs(probabilities.values.reduce(0, +) - 1) < 1e-4 && probabilities.count == 3)

        let fromCorpus = try cli.run(["predict", "--run", run.path, directory.appendingPathComponent("test.jsonl").path])
        #expect(fromCorpus.status == 0 && fromCorpus.output.split(separator: "\n").count == 60)
        // A bad row after more than a batch of good ones: one error, and nothing printed before it.
        let lateBad = directory.appendingPathComponent("late-bad.jsonl")
        try (Self.corpus(count: 130, seed: 3) + "{\"text\": 5}\n").write(to: lateBad, atomically: true, encoding: .utf8)
        let halfway = try cli.run(["predict", "--run", run.path, lateBad.path])
        #expect(halfway.status == 1 && halfway.output.isEmpty && halfway.error.contains("late-bad.jsonl") && halfway.error.contains("line 131"),
                "\(halfway.error)")
        // A run whose built vocabulary is gone names that file, not the model.
        let withoutVocabulary = directory.appendingPathComponent("run-without-vocabulary")
        try FileManager.default.copyItem(at: run, to: withoutVocabulary)
        try FileManager.default.removeItem(at: withoutVocabulary.appendingPathComponent("data/vocab.txt"))
        let noVocabulary = try cli.run(["predict", "--run", withoutVocabulary.path], input: "a b\n")
        #expect(noVocabulary.status == 1 && noVocabulary.error.contains("data/vocab.txt: missing: the vocabulary this run was trained with"),
                "\(noVocabulary.error)")

        try FileManager.default.removeItem(at: run.appendingPathComponent("plots"))
        let plotted = try cli.run(["plot", run.path])
        #expect(plotted.status == 0 && FileManager.default.fileExists(atPath: run.appendingPathComponent("plots/loss.svg").path))

        let again = try cli.run(["train", "--config", config.path, "--output", run.path])
        #expect(again.status != 0 && again.error.contains("already holds a run"))
        let bad = try cli.run(["train", "--config", config.path, "--set", "train.optimizer=adamax"])
        #expect(bad.status != 0 && bad.error.contains("'train.optimizer' must be one of sgd, adam, adamw, rmsprop, adafactor"))
    }

    /// `lemma train ARGUMENTS` started in the background, for signals: its standard output as a pipe, its
    /// standard error in `directory/stderr.txt` (readable while it runs).
    func startTraining(_ arguments: [String], in directory: URL) throws -> (Process, Pipe, URL) {
        let process = Process()
        process.executableURL = CommandLineTests.binary
        process.arguments = ["train"] + arguments
        let out = Pipe()
        let errorLog = directory.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errorLog)
        try process.run()
        return (process, out, errorLog)
    }

    /// Mistakes that would lose work: a split too small to hold anything out for validation stops before
    /// training (it used to train and then fail saving a NaN loss, leaving a run with no model or checkpoint),
    /// and `prepare` never replaces a directory of the user's own files.
    @Test func noValidationExamplesOrAnOccupiedOutputAreRefusedUpFront() throws {
        let (directory, config) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let one = directory.appendingPathComponent("one.jsonl")
        try "{\"text\": \"a b c\", \"label\": \"x\"}\n".write(to: one, atomically: true, encoding: .utf8)
        let run = directory.appendingPathComponent("run-one")
        let tiny = try cli.run(["train", "--config", config.path, "--output", run.path, "--set", "data.train=\(one.path)"])
        #expect(tiny.status == 1 && tiny.error.contains("no examples were held out for validation from \(one.path)"), "\(tiny.error)")
        #expect(!FileManager.default.fileExists(atPath: run.path), "nothing half-made is left")

        let notes = directory.appendingPathComponent("notes")
        try FileManager.default.createDirectory(at: notes, withIntermediateDirectories: true)
        try "mine".write(to: notes.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        let prepared = try cli.run(["prepare", "--input", directory.appendingPathComponent("train.jsonl").path, "--output", notes.path])
        #expect(prepared.status == 1 && prepared.error.contains("exists and is not a dataset Lemma wrote"), "\(prepared.error)")
        #expect(FileManager.default.fileExists(atPath: notes.appendingPathComponent("a.txt").path))
        let file = notes.appendingPathComponent("a.txt")
        let onAFile = try cli.run(["train", "--config", config.path, "--output", file.path])
        #expect(onAFile.status == 1 && onAFile.error.contains("\(file.path): is a file; --output names the run's directory"), "\(onAFile.error)")
        let underAFile = try cli.run(["train", "--config", config.path, "--output", file.appendingPathComponent("run").path])
        #expect(underAFile.status == 1 && underAFile.error.contains("cannot create the run directory: \(file.path) is a file"), "\(underAFile.error)")
    }

    @Test func aRunStoppedBySIGUSR1AndResumedEndsBitForBitLikeAnUninterruptedOne() throws {
        let (directory, config) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let whole = directory.appendingPathComponent("whole"), split = directory.appendingPathComponent("split")
        // Long enough (in steps) for the signal to land mid-run; checkpoints every 7 steps for SIGUSR1 (which
        // saves none) to fall back to.
        let longer = ["--set", "train.epochs=200", "--set", "train.eval_steps=100", "--set", "train.logging_steps=1",
                      "--set", "train.save_steps=7", "--set", "train.save_total_limit=100"]
        #expect(try cli.run(["train", "--config", config.path, "--output", whole.path] + longer).status == 0)

        let (process, out, errorLog) = try startTraining(["--config", config.path, "--output", split.path] + longer, in: directory)
        let metrics = split.appendingPathComponent("metrics.jsonl")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = (try? String(contentsOf: metrics, encoding: .utf8)) ?? ""
            if text.split(separator: "\n").count >= 20 { break }
            usleep(2_000)
        }
        kill(process.processIdentifier, SIGUSR1)
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let errors = try String(contentsOf: errorLog, encoding: .utf8)
        #expect(errors.contains("SIGUSR1: will stop without a checkpoint"), "\(errors)")
        #expect(process.terminationStatus == 0)
        #expect(output.contains("stopped at step"), "\(output)")
        #expect(!FileManager.default.fileExists(atPath: split.appendingPathComponent("model.safetensors").path))

        let resumed = try cli.run(["train", "--resume", split.path])
        #expect(resumed.status == 0, "\(resumed.error)")
        #expect(resumed.error.contains("resuming from checkpoint-"))
        // Seed 003's SIGUSR1 saves nothing: the resumed run goes back to the last multiple of 7.
        let stoppedAt = output.components(separatedBy: "stopped at step ").dropFirst().first?.prefix { $0.isNumber }
        if let stopped = stoppedAt.flatMap({ Int($0) }), stopped % 7 != 0 {
            #expect(resumed.error.contains("(step \(stopped / 7 * 7) of"), "\(resumed.error)")
        }
        let a = try Data(contentsOf: whole.appendingPathComponent("model.safetensors"))
        let b = try Data(contentsOf: split.appendingPathComponent("model.safetensors"))
        #expect(a == b, "final weights differ")
        func losses(_ run: URL) throws -> [Substring] {
            try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        }
        #expect(try losses(whole) == losses(split))
    }

    /// Seed 003's other two signals sent to a running `lemma train`: SIGINT saves a checkpoint, validates and
    /// goes on; SIGTERM saves, validates and stops. Then the latest checkpoint is cut short, and `--resume`
    /// names it and goes on from the SIGINT one.
    @Test func sigintValidatesAndGoesOnSigtermValidatesAndStopsAndResumeSkipsADamagedCheckpoint() throws {
        let (directory, config) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("run")
        // No scheduled evaluation or checkpoint inside the window the signals land in: the signals make them.
        let (process, out, errorLog) = try startTraining(["--config", config.path, "--output", run.path, "--set", "train.epochs=200",
                                                          "--set", "train.eval_steps=4000", "--set", "train.save_steps=4000",
                                                          "--set", "train.save_total_limit=100"], in: directory)
        let metrics = run.appendingPathComponent("metrics.jsonl")
        func lineCount() -> Int { ((try? String(contentsOf: metrics, encoding: .utf8)) ?? "").split(separator: "\n").count }
        func errors() -> String { (try? String(contentsOf: errorLog, encoding: .utf8)) ?? "" }
        /// Waits up to a minute for `done`; false if it never held.
        func wait(_ done: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline { if done() { return true }; usleep(2_000) }
            return false
        }
        #expect(wait { lineCount() >= 20 })
        kill(process.processIdentifier, SIGINT)
        #expect(wait { errors().contains("SIGINT: checkpoint saved at step") }, "\(errors())")
        let linesAfterInterrupt = lineCount()
        #expect(wait { lineCount() >= linesAfterInterrupt + 20 }, "training did not go on after SIGINT")
        kill(process.processIdentifier, SIGTERM)
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let log = errors()
        #expect(log.contains("SIGINT: will checkpoint, validate and continue after this step"), "\(log)")
        #expect(log.contains("SIGTERM: will checkpoint, validate and stop after this step"), "\(log)")
        func step(after marker: String, in text: String) -> Int? {
            text.components(separatedBy: marker).dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
        }
        let interrupted = try #require(step(after: "SIGINT: checkpoint saved at step ", in: log))
        let terminated = try #require(step(after: "SIGTERM: checkpoint saved at step ", in: log))
        #expect(interrupted < terminated && terminated < 4000)
        #expect(output.contains("stopped at step \(terminated)"), "\(output)")
        // Each signal's step has its validation in the log and its checkpoint on disk; no other step has either.
        let records = try String(contentsOf: metrics, encoding: .utf8).split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let validated = records.filter { $0["eval_loss"] != nil }.compactMap { $0["step"] as? Int }
        #expect(validated == [interrupted, terminated], "\(validated)")
        let checkpoints = run.appendingPathComponent("checkpoints")
        let saved = try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).filter { $0.hasPrefix("checkpoint-") }.sorted()
        func name(_ step: Int) -> String { "checkpoint-" + String(repeating: "0", count: max(0, 8 - String(step).count)) + String(step) }
        #expect(saved == [name(interrupted), name(terminated)], "\(saved)")

        // A copy cut short: --resume names it and goes on from the SIGINT checkpoint.
        let model = checkpoints.appendingPathComponent(name(terminated)).appendingPathComponent("model.safetensors")
        let bytes = try Data(contentsOf: model)
        try bytes.prefix(bytes.count / 2).write(to: model)
        let resumed = try cli.run(["train", "--resume", run.path])
        #expect(resumed.status == 0, "\(resumed.error)")
        #expect(resumed.error.contains("\(name(terminated)) is damaged"), "\(resumed.error)")
        #expect(resumed.error.contains("resuming from \(name(interrupted)) (step \(interrupted) of"), "\(resumed.error)")
    }
}

/// `model.arch: transformer` fine-tunes a BERT directory (the tiny fixture made by scripts/make_bert_fixtures.py).
struct TransformerTrainingTests {
    let cli = CommandLineTests()

    static let tinyBERT = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LemmaModelsTests/Fixtures/bert-tiny")

    @Test func fineTunesABertDirectoryAndChecksItsLength() throws {
        let directory = try cli.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try TrainCommandTests.corpus(count: 60, seed: 3).write(to: directory.appendingPathComponent("train.jsonl"), atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("config.yaml")
        try """
        data:
          train: \(directory.path)/train.jsonl
        model:
          arch: transformer
          pretrained_model: \(Self.tinyBERT.path)
        tokenizer:
          max_length: 16
        train:
          batch_size: 8
          max_steps: 6
          eval_steps: 3
        """.write(to: config, atomically: true, encoding: .utf8)
        let run = directory.appendingPathComponent("run")
        let trained = try cli.run(["train", "--config", config.path, "--output", run.path])
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.output.contains("validation results"))
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("checkpoints/checkpoint-00000006/trainer_state.json"))) as! [String: Any]
        #expect(state["global_step"] as? Int == 6)
        let keys = try String(contentsOf: run.appendingPathComponent("model.safetensors"), encoding: .isoLatin1)
        #expect(keys.contains("bert.encoder.layer.1.attention.self.query.weight") && keys.contains("classifier.weight"))

        let tooLong = try cli.run(["train", "--config", config.path, "--output", directory.appendingPathComponent("long").path,
                                   "--set", "tokenizer.max_length=64"])
        #expect(tooLong.status != 0 && tooLong.error.contains("has only 24 positions"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("long").path))
    }
}

/// Seed 000's input: a llamapun tar of `<label>/<id>.txt` members, 28 labels mapped to 8 classes.
struct LlamapunTrainingTests {
    let cli = CommandLineTests()

    @Test func trainsOnALlamapunTarThroughTheAMSLabelMap() throws {
        let directory = try cli.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // `keywords` is one of the labels newer llamapun dumps carry outside the 28 the map knows.
        let texts = ["proof": "we show that hence it follows qed", "theorem": "let x be a set then there exists y",
                     "lemma": "let x be a set then for all y", "definition": "we say that x is called a notation",
                     "abstract": "in this paper we study results", "keywords": "sets primes graphs"]
        let paragraphs = directory.appendingPathComponent("paragraphs")
        for (label, text) in texts {
            try FileManager.default.createDirectory(at: paragraphs.appendingPathComponent(label), withIntermediateDirectories: true)
            for i in 0..<40 {
                try "\(text) \(i % 7)".write(to: paragraphs.appendingPathComponent("\(label)/\(i).txt"), atomically: true, encoding: .utf8)
            }
        }
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        tar.arguments = ["-cf", directory.appendingPathComponent("paragraphs.tar").path, "-C", paragraphs.path] + texts.keys.sorted()
        try tar.run()
        tar.waitUntilExit()
        #expect(tar.terminationStatus == 0)
        let config = directory.appendingPathComponent("config.yaml")
        try """
        data:
          train: \(directory.path)/paragraphs.tar
          label_map: ams8
          valid_fraction: 0.25
        model:
          arch: cnn
          num_filters: 8
        train:
          batch_size: 8
          epochs: 4
        """.write(to: config, atomically: true, encoding: .utf8)
        // The label map's policy for labels outside it: an error by default, naming the label…
        let strict = try cli.run(["train", "--config", config.path, "--output", directory.appendingPathComponent("strict").path])
        #expect(strict.status != 0 && strict.error.contains("label 'keywords' is not in the label map"), "\(strict.error)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("strict").path))
        let unknownPolicy = try cli.run(["train", "--config", config.path, "--output", directory.appendingPathComponent("drop").path,
                                         "--set", "data.unknown_labels=drop"])
        #expect(unknownPolicy.status != 0 && unknownPolicy.error.contains("'data.unknown_labels': 'drop' is not a policy"),
                "\(unknownPolicy.error)")
        // …or skipped, with a count per label in the log.
        let trained = try cli.run(["train", "--config", config.path, "--output", directory.appendingPathComponent("run").path,
                                   "--set", "data.unknown_labels=skip"])
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.error.contains("40 examples with labels outside the label map skipped: keywords 40"), "\(trained.error)")
        // theorem and lemma merge into proposition; abstract is dropped.
        #expect(trained.error.contains("160 examples in 3 classes"))
        for name in ["definition", "proof", "proposition"] { #expect(trained.output.contains(name)) }
        #expect(!trained.output.contains("abstract") && !trained.output.contains("theorem"))
    }
}
