import Foundation
import LemmaData
import LemmaDecoding
import LemmaNN
import LemmaTensor
import LemmaText
import LemmaTrain

/// A language-model run (seed 001): GPT-2 trained from scratch or fine-tuned from a Hugging Face directory
/// (`model.pretrained`) on windows of `data.block_size` tokens, evaluated by loss and perplexity, with
/// samples every `train.sample_steps` steps in the log and the report. The model's config.json is kept in
/// data/ so the run reopens without the directory it was fine-tuned from.
public final class LanguageModelRun: TaskRun {
    public let directory: RunDirectory
    public let configuration: RunConfiguration
    public let data: LanguageModelData
    public let task: LanguageModelTask
    public let trainer: Trainer<LanguageModelTask, TokenWindows>
    public let blockSize: Int
    let log: (String) -> Void
    public var callbacks: [any TrainerCallback] = []

    public var model: GPT2Model { task.gpt2 }
    public var modelFile: URL { directory.url.appendingPathComponent("model.safetensors") }
    static func modelConfigurationFile(_ directory: RunDirectory) -> URL { directory.data.appendingPathComponent("gpt2_config.json") }

    /// A new run: tokenizes the corpora into the directory and fixes the model's shape (from the
    /// pretrained directory, or the `model.*` keys).
    public static func start(_ configuration: RunConfiguration, in directory: RunDirectory,
                             log: @escaping (String) -> Void = { _ in }) throws -> LanguageModelRun {
        let settings = try LanguageModelData.Settings(configuration)
        if let arch = configuration.string("model.arch"), arch != "gpt2" {
            throw ConfigError("'model.arch' \(arch) is not a language_model preset; available: gpt2")
        }
        let pretrained = try configuration.string("model.pretrained").map { try GPT2Checkpoint.load(URL(fileURLWithPath: $0)) }
        let shape = try pretrained?.configuration ?? modelConfiguration(configuration)
        _ = try samplingOptions(configuration)
        return try RunLifecycle.start(configuration, in: directory) {
            let data = try LanguageModelData.prepare(settings, into: directory.data, log: log)
            try writeAtomically(to: modelConfigurationFile(directory)) { append in
                try Array(shape.json.utf8).withUnsafeBytes { try append($0) }
            }
            let model = try pretrained ?? GPT2Model(shape, generator: RandomGenerator(seed: UInt64(configuration.int("train.seed") ?? 42)))
            if pretrained != nil { log("fine-tuning from \(configuration.string("model.pretrained")!)") }
            return try LanguageModelRun(configuration, directory: directory, data: data, model: model, log: log)
        }
    }

    /// An existing run whose configuration has been read.
    public convenience init(opening configuration: RunConfiguration, directory: RunDirectory, log: @escaping (String) -> Void) throws {
        let data = try LanguageModelData.open(directory.data)
        let shape = try GPT2Configuration(contentsOf: Self.modelConfigurationFile(directory))
        try self.init(configuration, directory: directory, data: data, model: try GPT2Model(shape), log: log)
    }

    init(_ configuration: RunConfiguration, directory: RunDirectory, data: LanguageModelData, model: GPT2Model,
         log: @escaping (String) -> Void) throws {
        self.configuration = configuration
        self.directory = directory
        self.data = data
        self.log = log
        blockSize = configuration.int("data.block_size") ?? 256
        guard blockSize >= 1, blockSize <= model.configuration.maxPositions else {
            throw ConfigError("'data.block_size' must be in 1...\(model.configuration.maxPositions) (the model's n_positions), got \(blockSize)")
        }
        guard model.configuration.vocabularySize >= data.tokenizer.vocabularySize else {
            throw ConfigError("the model's vocab_size \(model.configuration.vocabularySize) is smaller than the GPT-2 tokenizer's \(data.tokenizer.vocabularySize)")
        }
        model.train()
        model.checkpointActivations = configuration.bool("train.activation_checkpointing") ?? false
        task = LanguageModelTask(model: model)
        let train = TokenWindows(data.train, blockSize: blockSize)
        guard train.count > 0 else {
            throw ConfigError("the training text has \(data.train.count) tokens, fewer than one window of 'data.block_size' \(blockSize) + 1")
        }
        let block = blockSize
        let valid = data.valid.map { TokenWindows($0, blockSize: min(block, max(1, $0.count - 1))) }
        trainer = try Trainer(task: task, train: train, valid: valid, options: try TrainingOptions(configuration),
                              checkpoints: CheckpointStore(directory: directory.checkpoints), order: .shuffled)
    }

    /// The model shape the `model.*` keys give (GPT-2 124M by default).
    static func modelConfiguration(_ c: RunConfiguration) throws -> GPT2Configuration {
        var shape = GPT2Configuration()
        shape.width = c.int("model.embedding_dim") ?? shape.width
        shape.layerCount = c.int("model.num_layers") ?? shape.layerCount
        shape.headCount = c.int("model.num_heads") ?? shape.headCount
        shape.maxPositions = c.int("model.max_positions") ?? shape.maxPositions
        shape.innerSize = c.int("model.feed_forward_dim")
        let dropout = Float(c.double("model.dropout") ?? 0.1)
        (shape.residualDropout, shape.embeddingDropout, shape.attentionDropout) = (dropout, dropout, dropout)
        do {
            try shape.validate()
        } catch let error as ConfigError {
            throw ConfigError("model: \(error.message)")
        }
        return shape
    }

    public var overview: String {
        let c = model.configuration
        return "model: gpt2 \(c.layerCount) layers × \(c.width) wide, \(c.headCount) heads, \(model.parameterCount()) parameters; "
            + "\(trainer.trainingData.count) windows of \(blockSize) tokens; \(trainer.state.totalSteps) steps"
    }

    @discardableResult
    public func train(resume: Bool, handleSignals: Bool, progress: Bool) throws -> (TrainingResult, EvaluationRecord?) {
        var extra = callbacks
        if let every = configuration.int("train.sample_steps"), every > 0 {
            extra.append(SampleLog(run: self, every: every))
        }
        let result = try RunLifecycle.fit(trainer, directory: directory, resume: resume, handleSignals: handleSignals,
                                          progress: progress, extra: extra, log: log)
        guard result.reason != .requested, trainer.isPrimary else { return (result, nil) }
        try RunLifecycle.saveTrainedModel(model, directory: directory, result: result)
        let record = try RunLifecycle.evaluateAndFinish(
            trainer, result: result, task: "language_model", directory: directory, splits: (data.train, data.valid, data.test),
            counted: \.count, countKey: { "\($0)_tokens" }) { stream in
            var evaluation = evaluate(stream)
            evaluation.details.append(.text(title: "Samples (\(samplingDescription))", body: try samples(count: 3, seed: 0).map {
                "```\n\($0)\n```"
            }.joined(separator: "\n\n")))
            return evaluation
        }
        return (result, record)
    }

    public func findLearningRate(_ sweep: LearningRateSweep) throws -> LearningRateSweep {
        try trainer.findLearningRate(sweep)
    }

    public func loadTrainedModel() throws {
        try RunLifecycle.loadTrainedModel(model, directory: directory, log: log)
    }

    /// Loss and perplexity over every token of `stream`, in windows of the run's block size.
    public func evaluate(_ stream: TokenStream) -> Evaluation {
        let windows = TokenWindows(stream, blockSize: min(blockSize, max(1, stream.count - 1)))
        let size = trainer.options.evalBatchSize ?? trainer.options.batchSize
        let batches = stride(from: 0, to: windows.count, by: size).lazy.map { windows.batch(Array($0..<min($0 + size, windows.count))) }
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return withNoGrad { task.evaluate(AnySequence(batches)) }
    }

    // MARK: - Sampling

    /// The run's sampling settings (`decoding.*`: top-k 40 as seed 001, temperature, top-p).
    static func samplingOptions(_ c: RunConfiguration, maxNewTokens: Int = 64) throws -> DecodingOptions {
        var options = DecodingOptions(maxNewTokens: max(1, maxNewTokens))
        options.sampling = true
        options.temperature = Float(c.double("decoding.temperature") ?? 1)
        options.topK = c.int("decoding.top_k") ?? 40
        options.topP = c.double("decoding.top_p").map(Float.init)
        do {
            try options.validate()
        } catch let error as DecodingOptionsError {
            throw ConfigError("decoding: \(error.description)")
        }
        return options
    }

    public func samplingOptions(maxNewTokens: Int) throws -> DecodingOptions {
        var options = try Self.samplingOptions(configuration, maxNewTokens: maxNewTokens)
        options.stopTokens = [data.endOfText]
        return options
    }

    var samplingDescription: String {
        let o = try? samplingOptions(maxNewTokens: 1)
        return "top-k \(o?.topK ?? 40), temperature \(o?.temperature ?? 1)" + (o?.topP.map { ", top-p \($0)" } ?? "")
    }

    /// `count` unconditional samples (from `<|endoftext|>`), `train.sample_length` tokens at most.
    public func samples(count: Int, seed: UInt64) throws -> [String] {
        var options = try samplingOptions(maxNewTokens: configuration.int("train.sample_length") ?? 64)
        options.seed = seed
        return try model.generate(prompt: [data.endOfText], rows: count, options: options).map {
            (try? data.tokenizer.decode($0.tokens.filter { $0 != data.endOfText })) ?? ""
        }
    }

    /// nshepperd's `sample_every`: a sample in the log every N steps, seeded by the step so a resumed run
    /// writes the same ones.
    final class SampleLog: TrainerCallback {
        unowned let run: LanguageModelRun
        let every: Int

        init(run: LanguageModelRun, every: Int) {
            self.run = run
            self.every = every
        }

        func stepEnded(_ event: TrainerEvent) {
            guard event.state.globalStep % every == 0 else { return }
            do {
                let text = try run.samples(count: 1, seed: UInt64(event.state.globalStep)).first ?? ""
                run.log("sample at step \(event.state.globalStep):\n\(text)\n---")
            } catch {
                run.log("sample at step \(event.state.globalStep) failed: \(error)")
            }
        }
    }
}
