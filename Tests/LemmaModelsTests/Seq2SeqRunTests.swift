import Foundation
import LemmaData
import LemmaModels
import LemmaTensor
import LemmaText
import LemmaTrain
import Testing

/// A seq2seq run through the task registry: prepared data, a stop by request in the middle of a
/// teacher-forcing epoch, and a resume that ends bit for bit like the uninterrupted run.
struct Seq2SeqRunTests {
    static func configuration(_ directory: URL) throws -> RunConfiguration {
        var lines = ["source\ttarget"]
        let generator = RandomGenerator(seed: 3)
        let words = ["p", "q", "r", "s"]
        for _ in 0..<120 {
            let picked = (0..<(1 + generator.nextInt(below: 4))).map { _ in words[generator.nextInt(below: words.count)] }
            lines.append(picked.joined(separator: " ") + "\t" + picked.map { $0 + $0 }.joined(separator: " "))
        }
        try (lines.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("pairs.tsv"), atomically: true, encoding: .utf8)
        return try RunConfiguration(values: [
            "task": .string("seq2seq"), "data.train": .string(directory.appendingPathComponent("pairs.tsv").path),
            "data.valid_fraction": .double(0.25), "model.embedding_dim": .int(8), "model.target_embedding_dim": .int(8),
            "model.hidden_size": .int(12), "train.batch_size": .int(10), "train.epochs": .double(4),
            "train.teacher_forcing_end_epoch": .int(3), "train.learning_rate": .double(0.01), "train.deterministic": .bool(true),
            "train.logging_steps": .int(1), "train.eval_steps": .int(9), "train.load_best_model_at_end": .bool(false),
        ])
    }

    final class StopAt: TrainerCallback {
        let step: Int
        let requests: TrainingRequests
        init(step: Int, requests: TrainingRequests) { (self.step, self.requests) = (step, requests) }
        func stepEnded(_ event: TrainerEvent) { if event.state.globalStep == step { _ = requests.receive(.checkpointStop) } }
    }

    @Test func aSeq2SeqRunResumedMidEpochEndsLikeAnUninterruptedOne() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-seq2seq-run-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = try Self.configuration(directory)

        let whole = try TaskRegistry.start(configuration, in: RunDirectory(directory.appendingPathComponent("whole")))
        let (result, record) = try whole.train(resume: false, handleSignals: false, progress: false)
        // 90 training pairs (a quarter of 120 held out at random), batches of 10: 9 steps an epoch.
        #expect(result.state.globalStep == 36)
        let metrics = try #require(record?.metrics)
        #expect(Set(["bleu", "token_bleu", "exact_match", "loss", "free_running_loss", "seq2seq_accuracy", "token_accuracy"]).isSubset(of: Set(metrics.keys)))
        #expect(record?.texts.keys.contains { $0.hasPrefix("Examples") } == true)

        let splitDirectory = RunDirectory(directory.appendingPathComponent("split"))
        let first = try #require(try TaskRegistry.start(configuration, in: splitDirectory) as? Seq2SeqRun)
        #expect(first.data.train.count == 90 && first.data.valid?.count == 30)
        // Step 13 is in the middle of epoch 1, where targets are fed with probability 2/3.
        first.callbacks = [StopAt(step: 13, requests: first.trainer.requests)]
        let stopped = try first.train(resume: false, handleSignals: false, progress: false)
        #expect(stopped.0.reason == .requested && stopped.0.state.globalStep == 13)

        let second = try #require(try TaskRegistry.open(splitDirectory) as? Seq2SeqRun)
        _ = try second.train(resume: true, handleSignals: false, progress: false)
        let a = try Data(contentsOf: whole.directory.url.appendingPathComponent("model.safetensors"))
        let b = try Data(contentsOf: splitDirectory.url.appendingPathComponent("model.safetensors"))
        #expect(a == b, "the resumed run's weights differ from the uninterrupted run's")
    }

    /// The trained model is checked against the checksums the run recorded for it before eval, predict or
    /// serve use it; a damaged one is named and the checkpoint with the same weights used instead, or else the
    /// newest intact checkpoint.
    @Test func aDamagedTrainedModelIsReportedAndACheckpointsWeightsUsed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-seq2seq-damaged-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = try RunConfiguration(values: try Self.configuration(directory).values
            .merging(["train.load_best_model_at_end": .bool(true)]) { $1 })
        let runDirectory = RunDirectory(directory.appendingPathComponent("run"))
        let trained = try #require(try TaskRegistry.start(configuration, in: runDirectory) as? Seq2SeqRun)
        let (result, _) = try trained.train(resume: false, handleSignals: false, progress: false)
        let best = try #require(result.state.bestStep)
        let recordURL = runDirectory.url.appendingPathComponent("model.checksums.json")
        let record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: recordURL)) as? [String: Any])
        #expect(record["checkpoint"] as? String == String(format: "checkpoint-%08d", best), "\(record)")
        let modelURL = runDirectory.url.appendingPathComponent("model.safetensors")
        let intact = try Data(contentsOf: modelURL)
        let store = CheckpointStore(directory: runDirectory.checkpoints)
        func weights(_ url: URL) throws -> [String: [Float]] {
            try SafetensorsFile(url: url).floatTensors().mapValues(\.scalars)
        }
        func opened() throws -> (weights: [String: [Float]], log: [String]) {
            var lines: [String] = []
            let run = try #require(try TaskRegistry.open(runDirectory) { lines.append($0) } as? Seq2SeqRun)
            try run.loadTrainedModel()
            return (run.model.stateDict().mapValues(\.scalars), lines)
        }
        #expect(try opened().log.isEmpty)
        #expect(try opened().weights == weights(modelURL))

        // One flipped byte past the header: still a readable file, but not the one the run wrote.
        var flipped = intact
        flipped[flipped.count - 3] ^= 0x40
        try flipped.write(to: modelURL)
        let (fromBest, log) = try opened()
        #expect(fromBest == (try weights(store.url(step: best).appendingPathComponent("model.safetensors"))))
        #expect(log.count == 1 && log[0].contains("model.safetensors is damaged") && log[0].contains("CRC-32C")
                && log[0].contains(String(format: "checkpoint-%08d", best)), "\(log)")

        // Truncated, with the best checkpoint gone as well: the newest intact checkpoint.
        try intact.prefix(intact.count / 2).write(to: modelURL)
        try FileManager.default.removeItem(at: store.url(step: best))
        let latest = try #require(store.latestIntact())
        let (fromLatest, truncatedLog) = try opened()
        #expect(fromLatest == (try weights(latest.url.appendingPathComponent("model.safetensors"))))
        #expect(truncatedLog.last?.contains("truncated or replaced") == true, "\(truncatedLog)")
        #expect(truncatedLog.last?.contains("newest intact ones and may differ") == true
                && truncatedLog.last?.contains(String(format: "checkpoint-%08d", best)) == true, "\(truncatedLog)")

        // Nothing intact to fall back on: one error naming the file.
        for checkpoint in store.checkpoints() { try FileManager.default.removeItem(at: checkpoint.url) }
        do {
            _ = try opened()
            Issue.record("a damaged model with no checkpoint loaded")
        } catch {
            #expect("\(error)".contains("model.safetensors") && "\(error)".contains("no intact checkpoint"), "\(error)")
        }
    }

    /// With a lowercasing tokenizer, BLEU against a file's original cased targets equals BLEU against the
    /// same targets in lowercase (sacrebleu's -lc): the model can only say lowercase words.
    @Test func aLowercasingRunScoresCasedTargetsCaseInsensitively() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-seq2seq-lowercase-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Long enough for 4-grams: 4 to 6 words, each written twice on the target side.
        let generator = RandomGenerator(seed: 11)
        let lines = (0..<150).map { _ -> String in
            let words = (0..<(4 + generator.nextInt(below: 3))).map { _ in ["p", "q", "r", "s"][generator.nextInt(below: 4)] }
            return words.joined(separator: " ") + "\t" + words.map { $0 + $0 }.joined(separator: " ")
        }
        try (["source\ttarget"] + lines).joined(separator: "\n").write(to: directory.appendingPathComponent("long.tsv"), atomically: true, encoding: .utf8)
        let configuration = try RunConfiguration(values: try Self.configuration(directory).values
            .merging(["tokenizer.lowercase": .bool(true), "train.epochs": .double(30), "model.hidden_size": .int(32),
                      "model.embedding_dim": .int(16), "model.target_embedding_dim": .int(16), "train.eval_steps": .int(100),
                      "data.train": .string(directory.appendingPathComponent("long.tsv").path)]) { $1 })
        let run = try #require(try TaskRegistry.start(configuration, in: RunDirectory(directory.appendingPathComponent("run"))) as? Seq2SeqRun)
        _ = try run.train(resume: false, handleSignals: false, progress: false)
        let pairs = lines.prefix(40)
        let lower = directory.appendingPathComponent("lower.tsv"), upper = directory.appendingPathComponent("upper.tsv")
        try (["source\ttarget"] + Array(pairs)).joined(separator: "\n").write(to: lower, atomically: true, encoding: .utf8)
        try (["source\ttarget"] + pairs.map { line in
            let sides = line.split(separator: "\t")
            return "\(sides[0])\t\(sides[1].uppercased())"
        }).joined(separator: "\n").write(to: upper, atomically: true, encoding: .utf8)
        func bleu(_ url: URL) throws -> Double {
            try run.evaluate(corpus: PairedCorpusSource(.table(path: url.path, sourceColumn: "source", targetColumn: "target"))).metrics["bleu"]!
        }
        let lowered = try bleu(lower)
        #expect(lowered > 10, "the run learnt too little to tell: BLEU \(lowered)")
        #expect(try bleu(upper) == lowered)
    }

    /// A BERT vocabulary as the target side (`tokenizer.target_kind: wordpiece`): [CLS] and [SEP] are the start
    /// and end tokens, targets are stored as their pieces alone, and outputs decode to text as BERT decodes it.
    @Test func wordPieceTargetsStartAtCLSAndEndAtSEP() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-seq2seq-wordpiece-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let meanings = ["p": "the cat", "q": "sat on", "r": "the mat", "s": "proofs"]
        var lines = ["source\ttarget"]
        let generator = RandomGenerator(seed: 5)
        for _ in 0..<80 {
            let picked = (0..<(1 + generator.nextInt(below: 3))).map { _ in ["p", "q", "r", "s"][generator.nextInt(below: 4)] }
            lines.append(picked.joined(separator: " ") + "\t" + picked.map { meanings[$0]! }.joined(separator: " "))
        }
        let pairs = directory.appendingPathComponent("pairs.tsv")
        try (lines.joined(separator: "\n") + "\n").write(to: pairs, atomically: true, encoding: .utf8)
        let vocabulary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/bert-tiny/vocab.txt")
        let configuration = try RunConfiguration(values: [
            "task": .string("seq2seq"), "data.train": .string(pairs.path), "data.valid_fraction": .double(0.25),
            "tokenizer.target_kind": .string("wordpiece"), "tokenizer.target_vocab": .string(vocabulary.path),
            "model.embedding_dim": .int(8), "model.target_embedding_dim": .int(8), "model.hidden_size": .int(12),
            "train.batch_size": .int(10), "train.max_steps": .int(6), "train.eval_steps": .int(6), "train.deterministic": .bool(true),
            "train.load_best_model_at_end": .bool(false),
        ])
        let run = try #require(try TaskRegistry.start(configuration, in: RunDirectory(directory.appendingPathComponent("run"))) as? Seq2SeqRun)
        let target = run.data.targetTokenizer
        #expect(run.data.bos == target.id(forToken: "[CLS]") && run.data.eos == target.id(forToken: "[SEP]")
                && run.data.pad == target.id(forToken: "[PAD]"))
        // "proofs" is two pieces, proof ##s; no stored target holds [CLS] or [SEP].
        let stored = (0..<run.data.train.count).map { Array(run.data.train.target.tokenIDs($0)) }
        #expect(!stored.joined().contains(run.data.bos) && !stored.joined().contains(run.data.eos))
        #expect(target.encode("proofs") == [target.id(forToken: "proof")!, target.id(forToken: "##s")!])
        #expect(try target.decode([run.data.bos] + target.encode("the cat sat on proofs") + [run.data.eos]) == "the cat sat on proofs")
        let (result, record) = try run.train(resume: false, handleSignals: false, progress: false)
        #expect(result.state.globalStep == 6 && record?.metrics["bleu"]?.isFinite == true, "\(String(describing: record?.metrics))")
        let outputs = try run.decode([Array(run.data.train.source.tokenIDs(0))], batchSize: 1)
        #expect(!outputs[0][0].tokens.contains(run.data.eos) && !outputs[0][0].tokens.contains(run.data.bos))
    }

    /// decoding.min_length, repetition_penalty and early_stopping reach the decoder; a bad one stops the start.
    @Test func decodingSettingsFromTheConfiguration() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-seq2seq-decoding-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let base = try Self.configuration(directory).values
        let configuration = try RunConfiguration(values: base.merging([
            "decoding.min_length": .int(6), "decoding.repetition_penalty": .double(1.3), "decoding.early_stopping": .string("true"),
            "decoding.beams": .int(2)]) { $1 })
        let run = try #require(try TaskRegistry.start(configuration, in: RunDirectory(directory.appendingPathComponent("run"))) as? Seq2SeqRun)
        let options = try run.decodingOptions(sourceLength: 2)
        #expect(options.minNewTokens == 6 && options.repetitionPenalty == 1.3 && options.earlyStopping == .whenBeamsFinish)
        // An untrained model stops wherever; with the minimum no output is shorter than 6 tokens.
        let outputs = try run.decode([[2, 3], [4], [3, 3, 2]], batchSize: 2)
        #expect(outputs.allSatisfy { $0[0].tokens.count >= 6 }, "\(outputs.map { $0[0].tokens })")
        // The GRU presets keep seed 002's own dropouts: setting model.dropout for them is an error, not ignored.
        let withDropout = try RunConfiguration(values: base.merging(["model.dropout": .double(0.3)]) { $1 })
        do {
            _ = try TaskRegistry.start(withDropout, in: RunDirectory(directory.appendingPathComponent("dropout")))
            Issue.record("model.dropout started a gru run")
        } catch {
            #expect("\(error)".hasPrefix("'model.dropout' 0.3 does not apply to the gru preset"), "\(error)")
        }
        let bad = try RunConfiguration(values: base.merging(["decoding.repetition_penalty": .double(0)]) { $1 })
        do {
            _ = try TaskRegistry.start(bad, in: RunDirectory(directory.appendingPathComponent("bad")))
            Issue.record("decoding.repetition_penalty 0 started a run")
        } catch {
            #expect("\(error)" == "'decoding.repetition_penalty' must be a finite number > 0, got 0", "\(error)")
        }
    }

    /// The fastText fixtures (Tests/LemmaDataTests/Fixtures/fasttext, made by the real library): their directory
    /// and the vector the library gives each query word.
    struct FastTextQuery: Decodable { var word: String; var vector: [Float]; var inVocabulary: Bool }
    static func fastTextFixtures() throws -> (directory: URL, queries: [FastTextQuery]) {
        struct Expected: Decodable { var queries: [FastTextQuery] }
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LemmaDataTests/Fixtures/fasttext")
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: directory.appendingPathComponent("expected.json")))
        return (directory, expected.queries)
    }

    /// Seed 002's fastText vectors for the encoder embedding: words in fastText's dictionary get their vectors,
    /// unknown ones the vectors fastText builds from their character n-grams (both as the fastText library
    /// gives them: Tests/LemmaDataTests/Fixtures/fasttext, made by the real library), and the log says how many.
    @Test func fastTextVectorsWithSubwordsForTheSourceEmbedding() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-seq2seq-fasttext-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (fixtures, expected) = try Self.fastTextFixtures()
        let lines = ["source\ttarget"] + (0..<30).map { i in ["theorem lemma\tT L", "theorems lemma\tTS L", "lemmata theorem\tLS T"][i % 3] }
        try lines.joined(separator: "\n").write(to: directory.appendingPathComponent("words.tsv"), atomically: true, encoding: .utf8)
        let configuration = try RunConfiguration(values: try Self.configuration(directory).values.merging([
            "data.train": .string(directory.appendingPathComponent("words.tsv").path), "model.embedding_dim": .int(8), "model.pretrained_embeddings": .string(fixtures.appendingPathComponent("tiny.bin").path),
            "data.valid_fraction": .double(0.1)]) { $1 })
        var log: [String] = []
        let run = try #require(try TaskRegistry.start(configuration, in: RunDirectory(directory.appendingPathComponent("run"))) { log.append($0) }
                               as? Seq2SeqRun)
        let table = try #require(run.model.stateDict()["emb_enc.weight"])
        for word in ["theorem", "lemma", "theorems", "lemmata"] {
            let query = try #require(expected.first { $0.word == word })
            let id = Int(run.data.sourceTokenizer.encode(word)[0])
            let row = Array(table.scalars[(id * 8)..<((id + 1) * 8)])
            #expect(zip(row, query.vector).allSatisfy { Swift.abs($0 - $1) < 1e-5 }, "\(word) (in fastText's dictionary: \(query.inVocabulary))")
        }
        #expect(log.contains { $0.contains("source vectors") && $0.contains("tokens found") && $0.contains("more from subword vectors") }, "\(log)")
    }

    /// Pretrained vectors for either side: with one shared vocabulary (`tokenizer.shared_vocab`) both tables start
    /// from `model.pretrained_embeddings`; with separate ones `model.target_pretrained_embeddings` gives the decoder
    /// its own and the encoder keeps its random start; `model.freeze_embeddings` decides whether training moves a
    /// pretrained table.
    @Test func pretrainedVectorsForEitherSideSharedOrSeparateFrozenOrTrained() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-seq2seq-vectors-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (fixtures, expected) = try Self.fastTextFixtures()
        let lines = ["source\ttarget"] + (0..<30).map { ["theorem lemma\tlemma theorem", "lemma lemma\ttheorem", "theorem\tlemma lemma"][$0 % 3] }
        try lines.joined(separator: "\n").write(to: directory.appendingPathComponent("words.tsv"), atomically: true, encoding: .utf8)
        let vectors = ConfigValue.string(fixtures.appendingPathComponent("tiny.bin").path)
        func start(_ name: String, _ settings: [String: ConfigValue], log: @escaping (String) -> Void = { _ in }) throws -> Seq2SeqRun {
            let values = try Self.configuration(directory).values.merging([
                "data.train": .string(directory.appendingPathComponent("words.tsv").path), "data.valid_fraction": .double(0.1),
                "model.embedding_dim": .int(8), "model.target_embedding_dim": .int(8), "train.max_steps": .int(2),
            ]) { $1 }.merging(settings) { $1 }
            return try #require(try TaskRegistry.start(try RunConfiguration(values: values),
                                                       in: RunDirectory(directory.appendingPathComponent(name)), log: log) as? Seq2SeqRun)
        }
        func rowsMatchFastText(_ run: Seq2SeqRun, _ table: String, _ tokenizer: any Tokenizer) throws -> Bool {
            let weights = try #require(run.model.stateDict()[table]).scalars
            return try ["theorem", "lemma"].allSatisfy { word in
                let vector = try #require(expected.first { $0.word == word }).vector
                let id = Int(tokenizer.encode(word)[0])
                return zip(weights[(id * 8)..<((id + 1) * 8)], vector).allSatisfy { Swift.abs($0 - $1) < 1e-5 }
            }
        }

        for freeze in [true, false] {
            let shared = try start("shared-\(freeze)", ["tokenizer.shared_vocab": .bool(true), "model.pretrained_embeddings": vectors,
                                                        "model.freeze_embeddings": .bool(freeze)])
            let data = directory.appendingPathComponent("shared-\(freeze)/data")
            #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("vocab.txt").path))
            #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("source_vocab.txt").path))
            #expect(try rowsMatchFastText(shared, "emb_enc.weight", shared.data.sourceTokenizer))
            #expect(try rowsMatchFastText(shared, "emb_dec.weight", shared.data.targetTokenizer))
            let before = try #require(shared.model.stateDict()["emb_enc.weight"]).scalars
            _ = try shared.train(resume: false, handleSignals: false, progress: false)
            let after = try #require(shared.model.stateDict()["emb_enc.weight"]).scalars
            #expect((before == after) == freeze, "freeze_embeddings \(freeze): the encoder table \(before == after ? "stayed" : "moved")")
        }

        var log: [String] = []
        let separate = try start("separate", ["model.target_pretrained_embeddings": vectors]) { log.append($0) }
        #expect(try rowsMatchFastText(separate, "emb_dec.weight", separate.data.targetTokenizer))
        #expect(try !rowsMatchFastText(separate, "emb_enc.weight", separate.data.sourceTokenizer))
        #expect(log.contains { $0.hasPrefix("target vectors") } && !log.contains { $0.hasPrefix("source vectors") }, "\(log)")
    }

    @Test func sidesWithDifferentTokenizersPadWithTheirOwnIDs() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-seq2seq-gpt2-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try Self.configuration(directory)
        try configuration.apply(overrides: ["tokenizer.target_kind=gpt2", "train.max_steps=3", "train.teacher_forcing_end_epoch=1"])
        let run = try #require(try TaskRegistry.start(configuration, in: RunDirectory(directory.appendingPathComponent("run"))) as? Seq2SeqRun)
        // Built word vocabulary on the source side (pad 0); GPT-2's <|endoftext|> starts, ends and pads targets.
        #expect(run.data.sourcePad == 0 && run.data.pad == 50256 && run.data.bos == 50256 && run.data.eos == 50256)
        let batch = run.collator.collate(run.data.train, indices: [0, 1, 2, 3])
        let sourceWidth = batch.source.shape[1]
        for (row, length) in batch.sourceLengths.enumerated() where length < sourceWidth {
            #expect(batch.source.values[row * sourceWidth + length] == 0)
        }
        _ = try run.train(resume: false, handleSignals: false, progress: false)
        let outputs = try run.decode([run.sourceIDs("p q").ids], batchSize: 1) { $0.maxNewTokens = 4 }
        #expect(outputs.count == 1 && outputs[0][0].tokens.count <= 4)
    }

    /// `tokenizer.min_frequency` reaches both of a seq2seq run's vocabularies, and the decoding limit is
    /// a · source length + b (fairseq's max_len_a / max_len_b) with the configured a and b.
    @Test func minimumFrequencyAndTheLengthLimitComeFromTheConfiguration() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-seq2seq-minfreq-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func started(_ name: String, _ overrides: [String]) throws -> Seq2SeqRun {
            var configuration = try Self.configuration(directory)
            try configuration.apply(overrides: overrides)
            return try #require(try TaskRegistry.start(configuration, in: RunDirectory(directory.appendingPathComponent(name))) as? Seq2SeqRun)
        }
        func lines(_ run: String, _ file: String) throws -> Int {
            try String(contentsOf: directory.appendingPathComponent("\(run)/data/\(file)"), encoding: .utf8).split(separator: "\n").count
        }
        // Each word occurs 56–61 times in the training split: a minimum of 10 keeps them all, one of 1,000 none.
        let kept = try started("kept", ["tokenizer.min_frequency=10"])
        let rareAndLimited = try started("rare", ["tokenizer.min_frequency=1000", "decoding.max_length_a=2.5", "decoding.max_length_b=3"])
        #expect(Set(kept.sourceIDs("p q r s").ids).count == 4)
        #expect(Set(rareAndLimited.sourceIDs("p q r s").ids).count == 1, "every word should read as the unknown token")
        for file in ["source_vocab.txt", "target_vocab.txt"] {
            #expect(try lines("kept", file) == (try lines("rare", file)) + 4, "\(file)")
        }
        #expect(try rareAndLimited.decodingOptions(sourceLength: 7).maxNewTokens == 20)  // ⌊2.5 · 7⌋ + 3
        #expect(try rareAndLimited.decodingOptions(sourceLength: 1).maxNewTokens == 5)
        #expect(try kept.decodingOptions(sourceLength: 4).maxNewTokens == 16)  // the defaults, 1.5 and 10
    }

    /// Decoding cuts its batches from the sources sorted by length (less padding) and hands the results back in
    /// the order it was given them. With a limit of one new token per source token (a = 1, b = 0), a batch's
    /// limit is its longest source: sorted into batches of equal lengths, each source decodes exactly as it does
    /// alone (the transformer masks padding), and never past its own length — in dataset order the short
    /// sources here would share a batch, and a limit, with long ones.
    @Test func decodingSortsBatchesByLengthAndKeepsTheCallersOrder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-seq2seq-sorted-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try Self.configuration(directory)
        try configuration.apply(overrides: ["model.arch=transformer", "model.num_heads=2", "model.num_layers=1",
                                            "model.feed_forward_dim=16", "train.max_steps=2",
                                            "decoding.max_length_a=1", "decoding.max_length_b=0"])
        let run = try #require(try TaskRegistry.start(configuration, in: RunDirectory(directory.appendingPathComponent("run"))) as? Seq2SeqRun)
        _ = try run.train(resume: false, handleSignals: false, progress: false)
        let texts = ["p", "q r s p", "s", "r q p s", "q r", "s p"]
        let sources = texts.map { run.sourceIDs($0).ids }
        let together = try run.decode(sources, batchSize: 2).map { $0[0].tokens }
        let alone = try sources.map { try run.decode([$0], batchSize: 1)[0][0].tokens }
        #expect(together == alone)
        for (source, output) in zip(sources, together) { #expect(output.count <= source.count) }
        #expect(Set(alone.map { $0.map(String.init).joined(separator: " ") }).count > 1, "every source decodes alike: the check could not see a mix-up")
        #expect(together.contains { $0.count > 1 }, "every output stops at once: the limits could not show")
    }
}
