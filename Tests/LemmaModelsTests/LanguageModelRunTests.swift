import Foundation
import LemmaDecoding
import LemmaModels
import LemmaTensor
import LemmaTrain
import Testing

/// A small GPT-2 trained from scratch through the task layer: it learns (the loss falls far below the
/// uniform log 50257), a run stopped mid-epoch and resumed ends with the same weights bit for bit, sampling
/// is reproducible by seed, and a fine-tuning run starts from a transformers checkpoint.
struct LanguageModelRunTests {
    static func configuration(_ directory: URL, extra: [String: ConfigValue] = [:]) throws -> RunConfiguration {
        let corpus = directory.appendingPathComponent("corpus.jsonl")
        let lines = (0..<60).map { i in
            "{\"text\": \"theorem t\(i) : |- ( ph -> ph ) proof: ax-1 ax-2 ax-mp \(i % 7) \(i % 3)\"}"
        }
        try lines.joined(separator: "\n").write(to: corpus, atomically: true, encoding: .utf8)
        var values: [String: ConfigValue] = [
            "task": .string("language_model"), "data.train": .string(corpus.path), "data.valid_fraction": .double(0.2),
            "data.block_size": .int(16), "model.embedding_dim": .int(24), "model.num_layers": .int(2), "model.num_heads": .int(2),
            "model.max_positions": .int(32), "model.dropout": .double(0.1), "train.batch_size": .int(4), "train.epochs": .double(4),
            "train.learning_rate": .double(1e-2), "train.lr_scheduler": .string("cosine"), "train.warmup_steps": .int(3),
            "train.deterministic": .bool(true), "train.logging_steps": .int(5), "train.eval_steps": .int(10),
            "train.load_best_model_at_end": .bool(false), "train.sample_length": .int(8),
        ]
        values.merge(extra) { _, new in new }
        return try RunConfiguration(values: values)
    }

    final class StopAt: TrainerCallback {
        let step: Int
        let requests: TrainingRequests
        init(step: Int, requests: TrainingRequests) { (self.step, self.requests) = (step, requests) }
        func stepEnded(_ event: TrainerEvent) { if event.state.globalStep == step { _ = requests.receive(.checkpointStop) } }
    }

    @Test func aSmallGPT2LearnsAndResumesBitForBit() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-lm-run-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = try Self.configuration(directory)

        let whole = try #require(try TaskRegistry.start(configuration, in: RunDirectory(directory.appendingPathComponent("whole"))) as? LanguageModelRun)
        let (result, record) = try whole.train(resume: false, handleSignals: false, progress: false)
        let metrics = try #require(record?.metrics)
        let loss = try #require(metrics["loss"]), perplexity = try #require(metrics["perplexity"])
        #expect(loss < 5, "validation loss \(loss) after \(result.state.globalStep) steps (uniform is log 50257 = 10.8)")
        #expect(abs(perplexity - exp(loss)) < 1e-6 * perplexity)
        #expect(record?.texts.keys.contains { $0.hasPrefix("Samples") } == true)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: whole.directory.summary)) as? [String: Any]
        #expect((summary?["peak_memory_bytes"] as? Int ?? 0) > 10_000_000, "the summary records the peak memory")

        let splitDirectory = RunDirectory(directory.appendingPathComponent("split"))
        let first = try #require(try TaskRegistry.start(configuration, in: splitDirectory) as? LanguageModelRun)
        let stopAt = first.trainer.batchesPerEpoch + 2
        first.callbacks = [StopAt(step: stopAt, requests: first.trainer.requests)]
        let stopped = try first.train(resume: false, handleSignals: false, progress: false)
        #expect(stopped.0.reason == .requested && stopped.0.state.globalStep == stopAt)
        let second = try #require(try TaskRegistry.open(splitDirectory) as? LanguageModelRun)
        _ = try second.train(resume: true, handleSignals: false, progress: false)
        let a = try Data(contentsOf: whole.modelFile), b = try Data(contentsOf: second.modelFile)
        #expect(a == b, "the resumed run's weights differ from the uninterrupted run's")

        // Sampling: the same seed gives the same text, rows stop at <|endoftext|>, the length limit holds.
        var options = try second.samplingOptions(maxNewTokens: 12)
        options.seed = 7
        let once = try second.model.generate(prompt: [50256], rows: 3, options: options)
        let again = try second.model.generate(prompt: [50256], rows: 3, options: options)
        #expect(once == again && once.count == 3)
        #expect(once.allSatisfy { $0.tokens.count <= 12 && !$0.tokens.dropLast().contains(50256) })
        var streamed: [[Int32]] = [[], [], []]
        _ = try second.model.generate(prompt: [50256], rows: 3, options: options) { row, token in streamed[row].append(token) }
        #expect(streamed == once.map(\.tokens), "streamed tokens differ from the returned ones")
    }

    @Test func fineTuningStartsFromATransformersCheckpoint() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-lm-finetune-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // The tiny fixture has 67 tokens, too few for GPT-2's ids: the run must say so, not crash.
        let configuration = try Self.configuration(directory, extra: ["model.pretrained": .string(Fixtures.url("gpt2-tiny").path),
                                                                     "train.max_steps": .int(2)])
        #expect(throws: ConfigError.self) {
            _ = try TaskRegistry.start(configuration, in: RunDirectory(directory.appendingPathComponent("run")))
        }
        // A full-vocabulary model exported by Lemma fine-tunes, its weights the starting point.
        var shape = GPT2Configuration()
        (shape.width, shape.layerCount, shape.headCount, shape.maxPositions) = (16, 1, 2, 32)
        let base = try GPT2Model(shape, generator: RandomGenerator(seed: 3))
        let baseDirectory = directory.appendingPathComponent("base")
        try GPT2Checkpoint.save(base, to: baseDirectory)
        let tuned = try Self.configuration(directory, extra: ["model.pretrained": .string(baseDirectory.path), "train.max_steps": .int(2)])
        let run = try #require(try TaskRegistry.start(tuned, in: RunDirectory(directory.appendingPathComponent("tuned"))) as? LanguageModelRun)
        #expect(run.model.configuration == shape)
        #expect(run.model.stateDict()["transformer.h.0.attn.c_attn.weight"]!.scalars == base.stateDict()["transformer.h.0.attn.c_attn.weight"]!.scalars)
        _ = try run.train(resume: false, handleSignals: false, progress: false)
        let reopened = try #require(try TaskRegistry.open(run.directory) as? LanguageModelRun)
        #expect(reopened.model.configuration == shape, "the run reopens with the pretrained shape, not the model.* keys")
    }
}
