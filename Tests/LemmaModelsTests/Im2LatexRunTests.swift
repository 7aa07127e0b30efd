import Foundation
import LemmaData
import LemmaModels
import LemmaNN
import LemmaTensor
import LemmaText
import LemmaTrain
import Testing

/// An im2latex run end to end on formulas rendered by TeX Live (scripts/setup.sh installs it): rendering with
/// a failing formula logged by line, preparation, training in same-size batches, a stop and an exact resume,
/// BatchNorm statistics in the checkpoint, beam-search evaluation and prediction from a user's image.
struct Im2LatexRunTests {
    static let formulas = ["x ^ { 2 }", "a + b", "\\frac { 1 } { n }", "\\alpha _ { i }", "\\sqrt { y }", "x = y",
                           "\\undefinedmacro { z }", "\\sum _ { i } x _ { i }", "( a )", "a \\hspace { 1 c m } b"]

    static func configuration(_ directory: URL) throws -> RunConfiguration {
        try (formulas.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("formulas.lst"), atomically: true, encoding: .utf8)
        let train = (0..<40).map { "t\($0).png \($0 % formulas.count)" }.joined(separator: "\n")
        try train.write(to: directory.appendingPathComponent("train.lst"), atomically: true, encoding: .utf8)
        try "v0.png 0\nv1.png 2\nv2.png 4\n".write(to: directory.appendingPathComponent("valid.lst"), atomically: true, encoding: .utf8)
        try "0 s0 basic\n3 s1 basic\n".write(to: directory.appendingPathComponent("test.lst"), atomically: true, encoding: .utf8)
        return try RunConfiguration(values: [
            "task": .string("im2latex"), "data.formulas": .string(directory.appendingPathComponent("formulas.lst").path),
            "data.images": .string(directory.appendingPathComponent("images").path),
            "data.train": .string(directory.appendingPathComponent("train.lst").path),
            "data.valid": .string(directory.appendingPathComponent("valid.lst").path),
            "data.test": .string(directory.appendingPathComponent("test.lst").path),
            "data.render_dpi": .int(100), "data.downsample_ratio": .int(1),
            "model.cnn_channels": .int(16), "model.encoder_hidden_size": .int(6), "model.hidden_size": .int(12),
            "model.embedding_dim": .int(8), "train.batch_size": .int(4), "train.epochs": .double(2), "train.learning_rate": .double(0.003),
            "train.deterministic": .bool(true), "train.logging_steps": .int(1), "train.eval_steps": .int(5),
            "train.load_best_model_at_end": .bool(false), "decoding.beams": .int(2), "decoding.max_length": .int(12),
        ])
    }

    final class StopAt: TrainerCallback {
        let step: Int
        let requests: TrainingRequests
        init(step: Int, requests: TrainingRequests) { (self.step, self.requests) = (step, requests) }
        func stepEnded(_ event: TrainerEvent) { if event.state.globalStep == step { _ = requests.receive(.checkpointStop) } }
    }

    final class Lines: @unchecked Sendable {
        var lines: [String] = []
        func add(_ line: String) { lines.append(line) }
    }

    @Test func renderPrepareTrainStopResumeEvaluateAndPredict() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-im2latex-run-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = try Self.configuration(directory)
        let log = Lines()
        let whole = try #require(try TaskRegistry.start(configuration, in: RunDirectory(directory.appendingPathComponent("whole")),
                                                        log: log.add) as? Im2LatexRun)
        // The undefined macro (formula 6) fails to compile: logged with its split list line, left out.
        #expect(log.lines.contains { $0.contains("train.lst:7: not rendered: LaTeX: Undefined control sequence") }, "\(log.lines)")
        #expect(whole.data.train.count == 36 && whole.data.train.info.dropped["not_rendered"] == 4)
        #expect(whole.data.valid.count == 3 && whole.data.test?.count == 2)
        #expect(whole.data.test?.names == ["s0.png", "s1.png"])
        let (result, record) = try whole.train(resume: false, handleSignals: false, progress: false)
        #expect(result.state.globalStep == 18)
        let metrics = try #require(record?.metrics)
        for key in ["bleu", "edit_distance", "exact_match", "loss", "perplexity", "token_accuracy", "image_edit_distance", "image_match", "image_match_ws"] {
            #expect(metrics[key].map { $0.isFinite } == true, "\(key)")
        }

        // The report shows examples and attention maps as pictures (SVG with the images inline).
        let plots = whole.directory.url.appendingPathComponent("plots")
        for name in ["examples.svg", "attention_1.svg", "attention_2.svg"] {
            #expect(FileManager.default.fileExists(atPath: plots.appendingPathComponent(name).path), "\(name)")
        }
        let html = try String(contentsOf: whole.directory.url.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("data:image/png;base64,") && html.contains("fill-opacity") && html.contains("gold: "))
        // The final evaluation's two test examples: the table shows each once (no sample repeating the worst).
        #expect(html.contains("All 2 examples, worst first"))
        for name in try #require(whole.data.test).names {
            #expect(html.components(separatedBy: "| \(name) |").count - 1 == 1, "\(name)")
        }

        let splitDirectory = RunDirectory(directory.appendingPathComponent("split"))
        let first = try #require(try TaskRegistry.start(configuration, in: splitDirectory) as? Im2LatexRun)
        first.callbacks = [StopAt(step: 7, requests: first.trainer.requests)]
        #expect(try first.train(resume: false, handleSignals: false, progress: false).0.state.globalStep == 7)
        // The checkpoint holds BatchNorm's running statistics, moved from their start by 7 training steps.
        let checkpoint = try #require(first.trainer.checkpoints?.latest)
        let saved = try SafetensorsFile(url: checkpoint.url.appendingPathComponent("model.safetensors")).floatTensors()
        let runningMean = try #require(saved["cnn.7.running_mean"] as Tensor?)
        #expect(runningMean.scalars.contains { $0 != 0 } && saved["cnn.7.num_batches_tracked"]?.item == 7)
        let second = try #require(try TaskRegistry.open(splitDirectory) as? Im2LatexRun)
        _ = try second.train(resume: true, handleSignals: false, progress: false)
        let a = try Data(contentsOf: whole.modelFile), b = try Data(contentsOf: second.modelFile)
        #expect(a == b, "the resumed run's weights differ from the uninterrupted run's")

        // A user's own image: the rendered page of formula 0, cropped and bucketed as in training.
        let image = try PNGCodec.read(directory.appendingPathComponent("images/v0.png"))
        let processed = try #require(second.data.preprocessing.process(image))
        let decoded = try second.decode([processed, processed], batchSize: 2)
        #expect(decoded.count == 2 && decoded[0] == decoded[1] && decoded[0].count <= 12)
    }

    /// `lemma prepare --config`: the data prepared once, adopted by runs that name it in `data.prepared` (their
    /// data settings must match, a difference named), never overwritten.
    @Test func dataPreparedOnceIsAdoptedByRunsWithTheSameSettings() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-im2latex-prepared-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try Self.configuration(directory)
        let prepared = directory.appendingPathComponent("prepared")
        let summary = try TaskRegistry.prepare(configuration, into: prepared)
        #expect(summary.contains("train 36, valid 3, test 2 images"), "\(summary)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("partial") }.isEmpty)
        #expect(throws: (any Error).self) { _ = try TaskRegistry.prepare(configuration, into: prepared) }

        try configuration.apply(overrides: ["data.prepared=\(prepared.path)", "train.max_steps=2"])
        let run = try #require(try TaskRegistry.start(configuration, in: RunDirectory(directory.appendingPathComponent("run"))) as? Im2LatexRun)
        #expect(run.data.train.count == 36 && run.data.test?.names == ["s0.png", "s1.png"])
        let vocabulary = "vocab.txt"
        #expect(try Data(contentsOf: run.directory.data.appendingPathComponent(vocabulary))
                == Data(contentsOf: prepared.appendingPathComponent(vocabulary)))
        #expect(try run.train(resume: false, handleSignals: false, progress: false).0.state.globalStep == 2)

        try configuration.apply(overrides: ["data.max_tokens=20"])
        do {
            _ = try TaskRegistry.start(configuration, in: RunDirectory(directory.appendingPathComponent("other")))
            Issue.record("a run with different data settings adopted the prepared data")
        } catch {
            #expect("\(error)".contains("data.max_tokens '150'") && "\(error)".contains("'20'"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("other").path))

        // Data prepared by an older Lemma (its record lacks the preparation format) is prepared again, not adopted.
        try configuration.apply(overrides: ["data.max_tokens=150"])
        let recordURL = prepared.appendingPathComponent("preparation.json")
        var record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: recordURL)) as? [String: String])
        #expect(record["preparation_format"] == "3")
        record["preparation_format"] = nil
        try JSONSerialization.data(withJSONObject: record).write(to: recordURL)
        do {
            _ = try TaskRegistry.start(configuration, in: RunDirectory(directory.appendingPathComponent("older")))
            Issue.record("data prepared by an older Lemma was adopted")
        } catch {
            #expect("\(error)".contains("preparation format 1, this Lemma's is 3"), "\(error)")
        }
    }

    /// `data.max_tokens` leaves over-long formulas out of train and valid but never out of test, and the
    /// vocabulary keeps the tokens that training formulas (within the limit, rendered) use at least
    /// `tokenizer.min_frequency` times; the rest, in any split, are `<unk>`.
    @Test func lengthFilterSparesTheTestSplitAndRareTokensAreUnknown() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-im2latex-filter-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try Self.configuration(directory)
        try configuration.apply(overrides: ["data.max_tokens=4", "tokenizer.min_frequency=5"])
        let prepared = directory.appendingPathComponent("prepared")
        _ = try TaskRegistry.prepare(configuration, into: prepared)
        let data = try Im2LatexData.open(prepared, settings: Im2LatexData.Settings(configuration))
        // Train keeps a + b, \sqrt { y }, x = y and ( a ), 4 times each; valid keeps \sqrt { y } alone.
        #expect(data.train.count == 16 && (0..<data.train.count).allSatisfy { data.train.tokenIDs($0).count <= 4 })
        #expect(data.valid.count == 1)
        let test = try #require(data.test)
        #expect(test.count == 2 && (0..<test.count).allSatisfy { test.tokenIDs($0).count == 5 }, "x ^ { 2 } and \\alpha _ { i }: 5 tokens each")
        // a and y occur 8 times in those; every other token 4 (the unrenderable \undefinedmacro { z } is not counted).
        let vocabulary = data.tokenizer.vocabulary
        #expect(Set(vocabulary.tokens) == Set(Im2LatexData.specialTokens + ["a", "y"]), "\(vocabulary.tokens)")
        let unknown = try #require(vocabulary.id(Vocabulary.unknown))
        #expect(test.tokenIDs(0).filter { $0 == unknown }.count == 5)

        // A user's JSON Lines list of LaTeX as written, scored against this run trained on normalized lists:
        // normalized as they were (a+y → a + y), not split on spaces (one unknown token `a+y`).
        let own = directory.appendingPathComponent("own.jsonl")
        try "{\"latex\": \"a+y\"}\n".write(to: own, atomically: true, encoding: .utf8)
        let scored = try Im2LatexData.prepareExtra(own, settings: Im2LatexData.Settings(configuration), tokenizer: data.tokenizer,
                                                   into: directory.appendingPathComponent("own"), log: { _ in })
        #expect(scored.tokenIDs(0) == [vocabulary.id("a"), unknown, vocabulary.id("y")].compactMap { $0 })
    }

    /// im2markup's size filter: training and validation images wider or taller than `data.max_image_width` ×
    /// `data.max_image_height` after processing are left out and counted; the test split keeps every image.
    @Test func imageSizeFilterSparesTheTestSplit() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-im2latex-size-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try Self.configuration(directory)
        // Formula 9 becomes one too wide for the first bucket (240 pixels at downsampling 1): 4 training
        // images, 1 validation image and 1 test image of it.
        // Formula 10 is empty: nothing to learn or score, left out of every split.
        var formulas = Self.formulas + [""]
        formulas[9] = Array(repeating: "x", count: 16).joined(separator: " + ")
        try (formulas.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("formulas.lst"), atomically: true, encoding: .utf8)
        try "v0.png 0\nv1.png 2\nv2.png 4\nv3.png 9\nv4.png 10\n".write(to: directory.appendingPathComponent("valid.lst"), atomically: true, encoding: .utf8)
        try "0 s0 basic\n9 s1 basic\n10 s2 basic\n".write(to: directory.appendingPathComponent("test.lst"), atomically: true, encoding: .utf8)
        try configuration.apply(overrides: ["data.max_image_width=240", "data.max_image_height=100"])
        let prepared = directory.appendingPathComponent("prepared")
        _ = try TaskRegistry.prepare(configuration, into: prepared)
        let data = try Im2LatexData.open(prepared, settings: Im2LatexData.Settings(configuration))

        // 40 training lines: 4 of the unrenderable formula 6, 4 of the wide formula 9.
        #expect(data.train.info.dropped == ["not_rendered": 4, "image_too_large": 4], "\(data.train.info.dropped)")
        #expect(data.train.count == 32 && (0..<data.train.count).allSatisfy { data.train.size($0) == (240, 100) })
        #expect(data.valid.info.dropped == ["image_too_large": 1, "empty_formula": 1] && data.valid.count == 3, "\(data.valid.info.dropped)")
        let test = try #require(data.test)
        #expect(test.count == 2 && test.info.dropped == ["empty_formula": 1], "\(test.info.dropped)")
        #expect((0..<test.count).contains { test.size($0).width > 240 }, "the wide formula's test image is kept")
    }

    /// Formulas from CSV or JSON Lines files are LaTeX as written, so they are normalized as im2markup's were
    /// unless `tokenizer.splitting` says otherwise; im2markup's normalized lists split on spaces.
    @Test func rawLaTeXListsDefaultToIm2markupNormalization() throws {
        func splitting(_ values: [String: ConfigValue]) throws -> LaTeXTokenizer.Splitting {
            let base: [String: ConfigValue] = ["task": .string("im2latex"), "data.train": .string("train.jsonl"), "data.valid": .string("valid.jsonl")]
            return try Im2LatexData.Settings(RunConfiguration(values: base.merging(values) { $1 })).splitting
        }
        #expect(try splitting([:]) == .im2markup)
        #expect(try splitting(["data.train": .string("train.csv"), "data.valid": .string("valid.csv")]) == .im2markup)
        #expect(try splitting(["tokenizer.splitting": .string("latex")]) == .latex)
        #expect(try splitting(["tokenizer.splitting": .string("whitespace")]) == .whitespace)
        #expect(try splitting(["data.formulas": .string("formulas.lst"), "data.train": .string("train.lst"),
                               "data.valid": .string("valid.lst")]) == .whitespace)
        #expect(try splitting(["data.formulas": .string("formulas.lst"), "data.train": .string("train.lst"),
                               "data.valid": .string("valid.lst"), "tokenizer.splitting": .string("latex")]) == .latex)
    }

    /// A decoding value that cannot work stops the start with an error naming its key, before any rendering,
    /// rather than at the first evaluation; an unquoted YAML `true` for `decoding.early_stopping` is accepted.
    @Test func badDecodingSettingsStopTheStartNamingTheKey() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-im2latex-decoding-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Model and image settings that cannot work stop the start the same way: untrix has no dropout, and a
        // downsampling that leaves a bucket under the CNN's 8-pixel pooling would leave it no features.
        for (override, key) in [("decoding.beams=0", "decoding.beams"), ("decoding.max_length=0", "decoding.max_length"),
                                ("decoding.repetition_penalty=0", "decoding.repetition_penalty"),
                                ("decoding.min_length=-1", "decoding.min_length"),
                                ("model.arch=untrix,model.dropout=0.2", "model.dropout"), ("data.downsample_ratio=12", "data.downsample_ratio")] {
            var configuration = try Self.configuration(directory)
            try configuration.apply(overrides: override.split(separator: ",").map(String.init))
            let run = directory.appendingPathComponent("run")
            do {
                _ = try TaskRegistry.start(configuration, in: RunDirectory(run))
                Issue.record("\(override) started a run")
            } catch {
                #expect("\(error)".contains("'\(key)'"), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: run.path), "\(override)")
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("images").path), "\(override) rendered")
        }
    }

    /// `model.arch: untrix` (seed 003's model) through the same run: trains on images centred on its canvas
    /// (larger ones left out of training), evaluates with beam search and decodes a user's image.
    @Test func untrixPresetTrainsEvaluatesAndDecodes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-untrix-run-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try Self.configuration(directory)
        try configuration.apply(overrides: ["model.arch=untrix", "model.canvas_width=256", "model.canvas_height=128", "model.num_layers=2",
                                            "model.output_hidden_size=10", "train.max_steps=3", "train.eval_steps=3"])
        let run = try #require(try TaskRegistry.start(configuration, in: RunDirectory(directory.appendingPathComponent("run"))) as? Im2LatexRun)
        #expect(run.model is UntrixModel)
        #expect(run.overview.contains("untrix"))
        let (result, record) = try run.train(resume: false, handleSignals: false, progress: false)
        #expect(result.state.globalStep == 3)
        #expect(record?.metrics["bleu"].map { $0.isFinite } == true)
        let saved = try SafetensorsFile(url: run.modelFile).floatTensors()
        #expect(saved["decoder.1.peephole"]?.shape == [3, 12] && saved["attention_image.weight"] != nil)
        let image = try PNGCodec.read(directory.appendingPathComponent("images/v0.png"))
        let processed = try #require(run.data.preprocessing.process(image))
        let decoded = try run.decode([processed], batchSize: 1)
        #expect(decoded.count == 1 && decoded[0].count <= 12)
    }
}
