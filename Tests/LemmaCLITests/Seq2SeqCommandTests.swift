import Foundation
import Testing

/// `lemma train / eval / predict / lr-find` with `task: seq2seq`, through the built binary, on a small
/// learnable mapping (words to upper-case words in reverse order).
struct Seq2SeqCommandTests {
    let cli = CommandLineTests()

    static func pairs(count: Int, seed: UInt64) -> String {
        let words = ["a", "b", "c", "d", "e", "f"]
        var state = seed &* 6_364_136_223_846_793_005 &+ 1
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        var lines = ["source\ttarget"]
        for _ in 0..<count {
            let picked = (0..<(2 + next(3))).map { _ in words[next(words.count)] }
            lines.append(picked.joined(separator: " ") + "\t" + picked.reversed().map { $0.uppercased() }.joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func setUp() throws -> (directory: URL, config: URL) {
        let directory = try cli.temporaryDirectory()
        try Self.pairs(count: 400, seed: 1).write(to: directory.appendingPathComponent("train.tsv"), atomically: true, encoding: .utf8)
        try Self.pairs(count: 40, seed: 2).write(to: directory.appendingPathComponent("test.tsv"), atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("config.yaml")
        try """
        task: seq2seq
        data:
          train: \(directory.path)/train.tsv
          test: \(directory.path)/test.tsv
          valid_fraction: 0.1
        tokenizer:
          kind: whitespace
        model:
          embedding_dim: 16
          target_embedding_dim: 24
          hidden_size: 32
        train:
          optimizer: adam
          learning_rate: 0.01
          lr_scheduler: constant
          batch_size: 16
          epochs: 30
          eval_steps: 115
          teacher_forcing_end_epoch: 10
          deterministic: true
        decoding:
          beams: 3
        """.write(to: config, atomically: true, encoding: .utf8)
        return (directory, config)
    }

    @Test func trainEvalAndPredictASeq2SeqRun() throws {
        let (directory, config) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("run")
        let trained = try cli.run(["train", "--config", config.path, "--output", run.path])
        #expect(trained.status == 0, "\(trained.error)")
        // 360 training pairs after the 10% held out, 23 batches of 16 per epoch.
        #expect(trained.error.contains("train: 360 pairs") && trained.error.contains("valid: 40 pairs"), "\(trained.error)")
        #expect(trained.output.contains("test results") && trained.output.contains("Examples (beam 3)"), "\(trained.output)")
        for name in ["config.yaml", "model.safetensors", "evaluation.json", "summary.json", "report.md", "data/train/source",
                     "data/valid/target", "data/test/source", "data/source_vocab.txt", "data/target_vocab.txt"] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(name).path), "missing \(name)")
        }
        let resolved = try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8)
        #expect(resolved.contains("teacher_forcing_end_epoch: 10") && !resolved.contains("label_map"))

        let evaluated = try cli.run(["eval", "--run", run.path, "--data", directory.appendingPathComponent("test.tsv").path, "--json"])
        #expect(evaluated.status == 0, "\(evaluated.error)")
        let metrics = try JSONSerialization.jsonObject(with: Data(evaluated.output.utf8)) as! [String: Double]
        #expect(Set(metrics.keys) == ["bleu", "bleu_length_ratio", "token_bleu", "seq2seq_accuracy", "token_accuracy", "exact_match",
                                      "loss", "free_running_loss", "free_running_bleu", "fastai_bleu"])
        // Learnt: far above chance (a sixth of the tokens) — most reversed tokens come out right.
        #expect(metrics["token_accuracy"]! > 0.5 && metrics["bleu"]! > 35, "\(metrics)")
        #expect(metrics["bleu_length_ratio"]! > 0.5 && metrics["bleu_length_ratio"]! < 2, "\(metrics)")
        let stored = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("evaluation.json"))) as! [String: Any]
        #expect(abs(((stored["metrics"] as! [String: Double])["bleu"] ?? -1) - metrics["bleu"]!) < 1e-9)
        // The prepared test split by name: the numbers training stored.
        let split = try cli.run(["eval", "--run", run.path, "--data", "test", "--json"])
        #expect(split.status == 0, "\(split.error)")
        let splitMetrics = try JSONSerialization.jsonObject(with: Data(split.output.utf8)) as! [String: Double]
        let storedMetrics = stored["metrics"] as! [String: Double]
        for key in ["bleu", "bleu_length_ratio", "seq2seq_accuracy", "exact_match"] {
            #expect(abs((splitMetrics[key] ?? -1) - (storedMetrics[key] ?? -2)) < 1e-9, "\(key): \(splitMetrics) against \(storedMetrics)")
        }
        // Without --json: the report's tables, then one metric per line, the same numbers.
        let plain = try cli.run(["eval", "--run", run.path, "--data", "test"])
        #expect(plain.status == 0, "\(plain.error)")
        let plainLines = Set(plain.output.split(separator: "\n").map(String.init))
        for key in ["bleu", "seq2seq_accuracy", "token_accuracy", "exact_match", "loss"] {
            #expect(plainLines.contains("\(key) \(String(format: "%.4f", splitMetrics[key] ?? -1))"), "\(key): \(plain.output)")
        }
        #expect(plain.output.contains("Examples (beam 3)"), "\(plain.output)")

        let predicted = try cli.run(["predict", "--run", run.path, "--beam", "4", "--n-best", "2"], input: "a b c\nf e\n")
        #expect(predicted.status == 0, "\(predicted.error)")
        let rows = predicted.output.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(rows.count == 4 && rows.map { $0["rank"] as? Int } == [1, 2, 1, 2])
        #expect(rows[0]["output"] as? String == "C B A", "\(rows)")
        #expect((rows[0]["score"] as! Double) >= (rows[1]["score"] as! Double))

        let sampled = try cli.run(["predict", "--run", run.path, "--sample", "--top-k", "2", "--seed", "7"], input: "a b\n")
        let again = try cli.run(["predict", "--run", run.path, "--sample", "--top-k", "2", "--seed", "7"], input: "a b\n")
        #expect(sampled.status == 0 && sampled.output == again.output, "\(sampled.error)")
        // Sampling by probability at a low temperature finds the learnt answer; picking uniformly among the 8 best
        // tokens (the course's variant) almost never does ((1/8)^4 per input).
        func answers(_ flags: [String]) throws -> Int {
            let result = try cli.run(["predict", "--run", run.path, "--sample", "--top-k", "8", "--seed", "3"] + flags,
                                     input: String(repeating: "a b c\n", count: 12))
            #expect(result.status == 0, "\(result.error)")
            return result.output.split(separator: "\n").filter { $0.contains("\"output\": \"C B A\"") }.count
        }
        let byProbability = try answers(["--temperature", "0.1"]), uniform = try answers(["--uniform"])
        #expect(byProbability >= 10 && uniform <= 1, "by probability \(byProbability) of 12, uniform \(uniform) of 12")
        let uniformAlone = try cli.run(["predict", "--run", run.path, "--uniform"], input: "a\n")
        #expect(uniformAlone.status != 0 && uniformAlone.error.contains("--uniform apply only with --sample"), "\(uniformAlone.error)")

        let noBeam = try cli.run(["predict", "--run", run.path, "--beam", "0"], input: "a\n")
        #expect(noBeam.status != 0 && noBeam.error.contains("beam size must be at least 1, got 0") && noBeam.output.isEmpty,
                "\(noBeam.error)")
        let evalNoBeam = try cli.run(["eval", "--run", run.path, "--data", "test", "--beam", "0"])
        #expect(evalNoBeam.status != 0 && evalNoBeam.error.contains("--beam must be at least 1, got 0"), "\(evalNoBeam.error)")
        // A negative number is the option's value, not a missing one.
        let negativeBeam = try cli.run(["predict", "--run", run.path, "--beam", "-3"], input: "a\n")
        #expect(negativeBeam.status != 0 && negativeBeam.error.contains("beam size must be at least 1, got -3"), "\(negativeBeam.error)")
        let evalNegativeBeam = try cli.run(["eval", "--run", run.path, "--data", "test", "--beam", "-3"])
        #expect(evalNegativeBeam.status != 0 && evalNegativeBeam.error.contains("--beam must be at least 1, got -3"), "\(evalNegativeBeam.error)")
        let endlessSamples = try cli.run(["predict", "--run", run.path, "--sample", "--n-best", "100000000"], input: "a\n")
        #expect(endlessSamples.status != 0 && endlessSamples.error.contains("exceeds 1024 samples per input"), "\(endlessSamples.error)")
        let tooMany = try cli.run(["predict", "--run", run.path, "--beam", "2", "--n-best", "3"], input: "a\n")
        #expect(tooMany.status != 0 && tooMany.error.contains("n-best (3) cannot exceed the beam size (2)"), "\(tooMany.error)")
        let greedyNBest = try cli.run(["predict", "--run", run.path, "--beam", "1", "--n-best", "2"], input: "a\n")
        #expect(greedyNBest.status != 0 && greedyNBest.error.contains("n-best (2) needs beam search"), "\(greedyNBest.error)")
        let sampledBeam = try cli.run(["predict", "--run", run.path, "--sample", "--beam", "3"], input: "a\n")
        #expect(sampledBeam.status != 0 && sampledBeam.error.contains("sampling and beam search are separate"), "\(sampledBeam.error)")
        let greedyTopK = try cli.run(["predict", "--run", run.path, "--top-k", "3"], input: "a\n")
        #expect(greedyTopK.status != 0 && greedyTopK.error.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1
                && greedyTopK.error.contains("--top-k"), "\(greedyTopK.error)")
        // A nucleus of 0.01 is smaller than the best token's probability (at least 1/10 with 10 target tokens), so
        // nucleus sampling keeps that token alone, whatever the draw: greedy decoding.
        func outputs(_ flags: [String]) throws -> [String] {
            let result = try cli.run(["predict", "--run", run.path] + flags, input: "a b c\nf e\nd d a b\n")
            #expect(result.status == 0, "\(result.error)")
            return result.output.split(separator: "\n").map { (try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["output"] as! String }
        }
        let nucleus = try outputs(["--sample", "--top-p", "0.01", "--seed", "5"]), greedy = try outputs(["--beam", "1"])
        #expect(nucleus.count == 3 && nucleus == greedy, "top-p 0.01 \(nucleus), greedy \(greedy)")
        let badTopP = try cli.run(["predict", "--run", run.path, "--sample", "--top-p", "1.5"], input: "a\n")
        #expect(badTopP.status != 0 && badTopP.error.contains("top-p must be in (0, 1], got 1.5"))
        let noTarget = directory.appendingPathComponent("bad.tsv")
        try "source\ttarget\na b\t\n".write(to: noTarget, atomically: true, encoding: .utf8)
        let badPairs = try cli.run(["eval", "--run", run.path, "--data", noTarget.path])
        #expect(badPairs.status != 0 && badPairs.error.contains("bad.tsv") && badPairs.error.contains("line 2"), "\(badPairs.error)")
    }

    /// Two parallel text files instead of one table (`data.train` + `data.train_target`, `eval --target`), and
    /// sources longer than `tokenizer.max_length`: cut and counted in the log by train's test pass, eval and predict.
    @Test func parallelFilesTrainAndEvaluateAndOverLongSourcesAreCutAndCounted() throws {
        let directory = try cli.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func writeParallel(_ table: String, extra: [(String, String)] = [], _ name: String) throws {
            let rows = table.split(separator: "\n").dropFirst().map { $0.split(separator: "\t").map(String.init) } + extra.map { [$0.0, $0.1] }
            try (rows.map { $0[0] }.joined(separator: "\n") + "\n")
                .write(to: directory.appendingPathComponent(name + ".src"), atomically: true, encoding: .utf8)
            try (rows.map { $0[1] }.joined(separator: "\n") + "\n")
                .write(to: directory.appendingPathComponent(name + ".tgt"), atomically: true, encoding: .utf8)
        }
        // One test source of 12 words; the longest training pair has 4.
        let long = (Array(repeating: "a b c", count: 4).joined(separator: " "), Array(repeating: "C B A", count: 4).joined(separator: " "))
        try writeParallel(Self.pairs(count: 200, seed: 3), "train")
        try writeParallel(Self.pairs(count: 20, seed: 4), extra: [long], "test")
        let config = directory.appendingPathComponent("config.yaml")
        try """
        task: seq2seq
        data:
          train: \(directory.path)/train.src
          train_target: \(directory.path)/train.tgt
          test: \(directory.path)/test.src
          test_target: \(directory.path)/test.tgt
          valid_fraction: 0.1
        tokenizer:
          kind: whitespace
          max_length: 8
        model:
          embedding_dim: 8
          target_embedding_dim: 8
          hidden_size: 8
        train:
          batch_size: 16
          max_steps: 4
          deterministic: true
        """.write(to: config, atomically: true, encoding: .utf8)
        let run = directory.appendingPathComponent("run")
        let trained = try cli.run(["train", "--config", config.path, "--output", run.path])
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.error.contains("train: 180 pairs from \(directory.path)/train.src + \(directory.path)/train.tgt"), "\(trained.error)")
        #expect(trained.error.contains("test: 21 pairs") && trained.error.contains("1 sources longer than 8 tokens were cut for decoding"),
                "\(trained.error)")

        let evaluated = try cli.run(["eval", "--run", run.path, "--data", directory.appendingPathComponent("test.src").path,
                                     "--target", directory.appendingPathComponent("test.tgt").path, "--json"])
        #expect(evaluated.status == 0, "\(evaluated.error)")
        #expect(evaluated.error.contains("1 sources longer than 8 tokens were cut (tokenizer.max_length)"), "\(evaluated.error)")
        let metrics = try JSONSerialization.jsonObject(with: Data(evaluated.output.utf8)) as? [String: Double]
        #expect(metrics?["bleu"] != nil && metrics?["exact_match"] != nil, "\(evaluated.output)")
        // A target file one line short names both files.
        try "A\n".write(to: directory.appendingPathComponent("short.tgt"), atomically: true, encoding: .utf8)
        let short = try cli.run(["eval", "--run", run.path, "--data", directory.appendingPathComponent("test.src").path,
                                 "--target", directory.appendingPathComponent("short.tgt").path])
        #expect(short.status != 0 && short.error.contains("short.tgt: ends before line 2 of"), "\(short.error)")

        let predicted = try cli.run(["predict", "--run", run.path], input: long.0 + "\na b\n")
        #expect(predicted.status == 0 && predicted.output.split(separator: "\n").count == 2, "\(predicted.error)")
        #expect(predicted.error.contains("1 inputs longer than 8 tokens were cut (tokenizer.max_length)"), "\(predicted.error)")

        // The report, remade by `lemma plot`, keeps the seed's input / target / output table.
        let plotted = try cli.run(["plot", run.path])
        #expect(plotted.status == 0, "\(plotted.error)")
        let report = try String(contentsOf: run.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("| input | target | output |"), "\(report)")

        let orphan = try cli.run(["train", "--config", config.path, "--output", directory.appendingPathComponent("x").path,
                                  "--set", "data.valid_target=\(directory.path)/test.tgt"])
        #expect(orphan.status != 0 && orphan.error.contains("'data.valid_target' needs 'data.valid'"), "\(orphan.error)")
    }

    @Test func configurationErrorsNameTheKeyAndTheTask() throws {
        let (directory, config) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        func failure(_ overrides: [String]) throws -> String {
            let result = try cli.run(["train", "--config", config.path, "--output", directory.appendingPathComponent("x").path]
                                     + overrides.flatMap { ["--set", $0] })
            #expect(result.status != 0)
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("x").path))
            return result.error
        }
        #expect(try failure(["data.label_map=ams8"]).contains("'data.label_map' does not apply to task seq2seq (it is read by classification)"))
        #expect(try failure(["model.arch=cnn"]).contains("'model.arch' cnn is not a seq2seq preset"))
        #expect(try failure(["decoding.beemz=2"]).contains("did you mean 'decoding.beams'?"))
        #expect(try failure(["model.arch=transformer", "model.target_embedding_dim=16", "model.num_heads=5"])
            .contains("'model.num_heads' 5 must divide the width 16"))
        #expect(try failure(["model.arch=transformer", "model.target_embedding_dim=16", "model.positions=learned", "model.max_positions=4"])
            .contains("but 'model.max_positions' is 4"))
        #expect(try failure(["tokenizer.shared_vocab=true", "tokenizer.target_kind=char"]).contains("needs the same tokenizer on both sides"))
        // Every task in the schema is available now; an im2latex config without its validation list says so.
        let im2latex = directory.appendingPathComponent("im2latex.yaml")
        try "task: im2latex\ndata:\n  train: x.lst\n".write(to: im2latex, atomically: true, encoding: .utf8)
        let result = try cli.run(["train", "--config", im2latex.path, "--output", directory.appendingPathComponent("im").path])
        #expect(result.status != 0 && result.error.contains("'data.valid' is required: the validation split list"), "\(result.error)")
    }

    @Test func theTransformerPresetTrainsAndDecodesThroughTheSameCommands() throws {
        let (directory, config) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("transformer")
        let trained = try cli.run(["train", "--config", config.path, "--output", run.path, "--set", "model.arch=transformer",
                                   "--set", "model.target_embedding_dim=16", "--set", "model.num_heads=2", "--set", "model.dropout=0",
                                   "--set", "train.epochs=20", "--set", "train.learning_rate=0.003"])
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.error.contains("teacher_forcing_end_epoch' is ignored by the transformer"))
        let evaluated = try cli.run(["eval", "--run", run.path, "--data", directory.appendingPathComponent("test.tsv").path, "--json"])
        let metrics = try JSONSerialization.jsonObject(with: Data(evaluated.output.utf8)) as! [String: Double]
        // Far above chance (a sixth of the tokens).
        #expect(metrics["token_accuracy"]! > 0.4, "\(metrics)")
        let predicted = try cli.run(["predict", "--run", run.path, "--beam", "3", "--n-best", "3"], input: "a b c\n")
        #expect(predicted.status == 0 && predicted.output.split(separator: "\n").count == 3, "\(predicted.error)")
    }

    @Test func lrFindRunsOnASeq2SeqConfiguration() throws {
        let (directory, config) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("lr")
        let result = try cli.run(["lr-find", "--config", config.path, "--output", out.path, "--iterations", "30"])
        #expect(result.status == 0, "\(result.error)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("lr_find.json").path))
        #expect(result.output.contains("valley"))
    }
}
