import Foundation
import LemmaData
import LemmaDecoding
import LemmaNN
import LemmaTensor
import LemmaText
import LemmaTrain
import Synchronization

/// A sequence-to-sequence run in a run directory: what `lemma train`, `eval`, `predict` and `lr-find` do for
/// `task: seq2seq` (seed 002). Training is seed 002's (its loss with teacher forcing, validation on the
/// model's own predictions); the final evaluation and `predict` decode with the decoding library (greedy or
/// beam search, `decoding.*`) and score BLEU, exact match and the seed's accuracies.
public final class Seq2SeqRun: TaskRun {
    public let directory: RunDirectory
    public let configuration: RunConfiguration
    public let data: Seq2SeqData
    public let task: Seq2SeqTask
    public let trainer: Trainer<Seq2SeqTask, PairedDatasetSource>
    public let collator: PairCollator
    /// Source tokens kept when eval and predict read new text (`tokenizer.max_length`).
    public let maxSourceLength: Int
    let log: (String) -> Void
    /// Callbacks attached to training besides the run's own (logs, TensorBoard, teacher forcing).
    public var callbacks: [any TrainerCallback] = []

    public var modelFile: URL { directory.url.appendingPathComponent("model.safetensors") }
    public var model: any Seq2SeqModel { task.seq2seq }

    /// A new run: prepares the pairs into the directory, then writes config.yaml.
    public static func start(_ configuration: RunConfiguration, in directory: RunDirectory,
                             log: @escaping (String) -> Void = { _ in }) throws -> Seq2SeqRun {
        let settings = try Seq2SeqData.Settings(configuration)
        _ = try decodingOptions(configuration, sourceLength: 1)
        // Seed 002's recurrent models fix their four dropouts; a `model.dropout` set for them would be ignored.
        // (Its default, which every resolved config.yaml records, stays harmless, so a run's file can be reused.)
        let arch = configuration.string("model.arch") ?? "gru"
        if arch != "transformer", let dropout = configuration.double("model.dropout"), dropout != 0.1 {
            throw ConfigError("'model.dropout' \(dropout) does not apply to the \(arch) preset, which keeps seed 002's dropouts "
                              + "(embedding .15, between encoder layers .25, between decoder layers .1, before the output .35); remove it")
        }
        return try RunLifecycle.start(configuration, in: directory) {
            let data = try Seq2SeqData.prepare(settings, into: directory.data, log: log)
            return try Seq2SeqRun(configuration, directory: directory, data: data, log: log)
        }
    }

    /// An existing run whose configuration has been read.
    public convenience init(opening configuration: RunConfiguration, directory: RunDirectory, log: @escaping (String) -> Void) throws {
        let data = try Seq2SeqData.open(directory.data, settings: try Seq2SeqData.Settings(configuration))
        try self.init(configuration, directory: directory, data: data, log: log)
    }

    init(_ configuration: RunConfiguration, directory: RunDirectory, data: Seq2SeqData, log: @escaping (String) -> Void) throws {
        self.configuration = configuration
        self.directory = directory
        self.data = data
        self.log = log
        maxSourceLength = configuration.int("tokenizer.max_length") ?? 128
        guard maxSourceLength > 0 else { throw ConfigError("'tokenizer.max_length' must be > 0") }
        let collator = PairCollator(padID: data.pad, sourcePadID: data.sourcePad, endToken: data.eos)
        self.collator = collator
        task = Seq2SeqTask(model: try Seq2SeqFactory.make(configuration, data: data, log: log), endToken: data.eos)
        if let limit = task.seq2seq.maxTargetLength {
            // A learned position table cannot read past its end: say so now, not mid-training.
            for (name, split) in [("train", data.train), ("valid", data.valid), ("test", data.test)] {
                guard let split else { continue }
                let longest = (0..<split.count).reduce(0) { max($0, split.source.length($1), split.target.length($1) + 1) }
                if longest > limit {
                    throw ConfigError("the \(name) split has sequences of \(longest) tokens (with the end token) but 'model.max_positions' is \(limit); raise it or set 'data.max_length'")
                }
            }
            guard maxSourceLength <= limit else {
                throw ConfigError("'tokenizer.max_length' \(maxSourceLength) exceeds 'model.max_positions' \(limit)")
            }
        }
        let options = try TrainingOptions(configuration)
        let valid = data.valid.map { PairedDatasetSource($0, collator: collator) }
        trainer = try Trainer(task: task, train: PairedDatasetSource(data.train, collator: collator), valid: valid, options: options,
                              checkpoints: CheckpointStore(directory: directory.checkpoints), order: .sortish,
                              evaluationOrder: .sortedByLength)
    }

    public var overview: String {
        "model: seq2seq \(configuration.string("model.arch") ?? "gru"), \(model.parameterCount()) parameters "
            + "(\(model.parameterCount(trainableOnly: true)) trainable); vocabularies \(data.sourceTokenizer.vocabularySize) → "
            + "\(data.targetTokenizer.vocabularySize); \(trainer.state.totalSteps) steps"
    }

    /// fastai's teacher-forcing schedule when `train.teacher_forcing_end_epoch` is set; else always forced.
    var teacherForcingCallbacks: [any TrainerCallback] {
        guard let end = configuration.int("train.teacher_forcing_end_epoch"), !(model is Seq2SeqTransformer) else { return [] }
        return [TeacherForcingSchedule(task: task, endEpoch: max(1, end))]
    }

    @discardableResult
    public func train(resume: Bool, handleSignals: Bool, progress: Bool) throws -> (TrainingResult, EvaluationRecord?) {
        let result = try RunLifecycle.fit(trainer, directory: directory, resume: resume, handleSignals: handleSignals,
                                          progress: progress, extra: teacherForcingCallbacks + callbacks, log: log)
        guard result.reason != .requested, trainer.isPrimary else { return (result, nil) }
        try RunLifecycle.saveTrainedModel(model, directory: directory, result: result)
        let record = try RunLifecycle.evaluateAndFinish(trainer, result: result, task: "seq2seq", directory: directory,
                                                        splits: (data.train, data.valid, data.test), counted: \.count) { try evaluate($0) }
        return (result, record)
    }

    public func findLearningRate(_ sweep: LearningRateSweep) throws -> LearningRateSweep {
        try trainer.findLearningRate(sweep)
    }

    public func loadTrainedModel() throws {
        try RunLifecycle.loadTrainedModel(model, directory: directory, log: log)
    }

    // MARK: - Decoding

    /// The run's `decoding.*` settings for a batch whose longest source has `sourceLength` tokens.
    static func decodingOptions(_ c: RunConfiguration, sourceLength: Int) throws -> DecodingOptions {
        try ConfiguredDecoding.check(c)
        let a = c.double("decoding.max_length_a") ?? 1.5, b = c.int("decoding.max_length_b") ?? 10
        var options = DecodingOptions(maxNewTokens: max(1, Int(a * Double(sourceLength)) + b))
        options.beams = c.int("decoding.beams") ?? 1
        options.lengthPenalty = Float(c.double("decoding.length_penalty") ?? 1)
        options.noRepeatNGramSize = c.int("decoding.no_repeat_ngram_size") ?? 0
        ConfiguredDecoding.apply(c, to: &options)
        do {
            try options.validate()
        } catch let error as DecodingOptionsError {
            throw ConfigError("decoding: \(error.description)")
        }
        return options
    }

    /// The run's decoding settings, with the maximum length set for `sourceLength`; `adjust` may change any
    /// other (the command line's --beam, --sample …).
    public func decodingOptions(sourceLength: Int, adjust: (inout DecodingOptions) -> Void = { _ in }) throws -> DecodingOptions {
        var options = try Self.decodingOptions(configuration, sourceLength: sourceLength)
        if let limit = model.maxTargetLength {
            options.maxNewTokens = min(options.maxNewTokens, limit)
            options.minNewTokens = min(options.minNewTokens, options.maxNewTokens)
        }
        adjust(&options)
        options.stopTokens = [data.eos, data.pad]
        try options.validate(vocabularySize: data.targetTokenizer.vocabularySize)
        return options
    }

    /// Decodes token-id sources in batches of `batchSize`: `returnSequences` hypotheses each, best first,
    /// without the end token, in the order of `sources`. Batches are cut from the sources sorted by length,
    /// longest first (fastai's `SortSampler`, as evaluation batches), so each is padded as little as possible.
    /// Batches run side by side, one per core (`ConcurrentLanes`): a decoding step is too small to share well.
    public func decode(_ sources: [[Int32]], batchSize: Int, adjust: (inout DecodingOptions) -> Void = { _ in }) throws -> [[Hypothesis]] {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let batches = BatchSampler(batchSize: batchSize, order: .sortedByLength).batches(count: sources.count, epoch: 0) { sources[$0].count }
        // Batches go to the cores whole, in the sampler's longest-first order: the last ones to start are the shortest.
        let results = Mutex([[Hypothesis]](repeating: [], count: sources.count))
        try ConcurrentLanes.forEach(batches.count) { job in
            let batch = batches[job], width = max(batch.map { sources[$0].count }.max() ?? 1, 1)
            let padded = batch.flatMap { sources[$0] + Array(repeating: data.sourcePad, count: width - sources[$0].count) }
            let options = try decodingOptions(sourceLength: width, adjust: adjust)
            let hypotheses = try withNoGrad { try model.generate(IndexTensor(padded, shape: [batch.count, width]), options: options) }
            let cleaned = hypotheses.map { found in
                found.map { Hypothesis(tokens: $0.tokens.filter { $0 != data.eos && $0 != data.pad }, score: $0.score) }
            }
            results.withLock { results in
                for (index, found) in zip(batch, cleaned) { results[index] = found }
            }
        }
        return results.withLock { $0 }
    }

    /// Source ids of a text as the run reads new input: tokenized, cut to `tokenizer.max_length`.
    public func sourceIDs(_ text: String) -> (ids: [Int32], truncated: Bool) {
        let ids = data.sourceTokenizer.encode(text)
        return ids.count > maxSourceLength ? (Array(ids.prefix(maxSourceLength)), true) : (ids, false)
    }

    /// The target text of token ids.
    public func targetText(_ ids: [Int32]) -> String {
        (try? data.targetTokenizer.decode(ids)) ?? ids.map(String.init).joined(separator: " ")
    }

    // MARK: - Evaluation

    /// Seed 002's numbers on a prepared split (loss, seq2seq accuracy and token accuracy of the model running
    /// on its own greedy predictions, as the seed validates), then the run's decoding (greedy or beam) scored
    /// by corpus BLEU (sacrebleu's on text, and on target tokens) and exact match, with a table of the first examples for the report.
    public func evaluate(_ dataset: PairedDataset, beams: Int? = nil) throws -> Evaluation {
        var evaluation = trainer.evaluate(PairedDatasetSource(dataset, collator: collator))
        let sources = (0..<dataset.count).map { Array(dataset.source.tokenIDs($0).prefix(maxSourceLength)) }
        let truncated = (0..<dataset.count).filter { dataset.source.length($0) > maxSourceLength }.count
        if truncated > 0 { log("\(truncated) sources longer than \(maxSourceLength) tokens were cut for decoding (tokenizer.max_length)") }
        let references = (0..<dataset.count).map { Array(dataset.target.tokenIDs($0)) }
        let scored = try score(sources: sources, references: references, texts: nil, beams: beams)
        evaluation.metrics.merge(scored.metrics) { _, new in new }
        evaluation.details += scored.details
        return evaluation
    }

    /// Evaluates a paired corpus read with the run's columns (or parallel files) and tokenizers; `beams`
    /// overrides `decoding.beams`.
    public func evaluate(corpus: PairedCorpusSource, beams: Int? = nil) throws -> Evaluation {
        var sources: [[Int32]] = [], references: [[Int32]] = [], texts: [String] = [], targetTexts: [String] = []
        var truncated = 0
        try corpus.forEach { pair in
            let (ids, cut) = sourceIDs(pair.source)
            if cut { truncated += 1 }
            sources.append(ids)
            references.append(data.targetTokenizer.encode(pair.target))
            texts.append(pair.source)
            targetTexts.append(pair.target)
        }
        guard !sources.isEmpty else { throw FileFormatError(corpus.origin, "no pairs") }
        if truncated > 0 { log("\(truncated) sources longer than \(maxSourceLength) tokens were cut (tokenizer.max_length)") }
        // Seed 002's teacher-free loss and accuracies over the same pairs, batched as evaluation batches them.
        let size = trainer.options.evalBatchSize ?? trainer.options.batchSize
        let batches = BatchSampler(batchSize: size, order: .sortedByLength).batches(count: sources.count, epoch: 0) { sources[$0].count }
            .map { indices in
                collator.collate(sources: indices.map { sources[$0] }, targets: indices.map { references[$0] }, indices: indices)
            }
        model.eval()
        var evaluation = withNoGrad { task.evaluate(AnySequence(batches)) }
        let scored = try score(sources: sources, references: references, texts: texts, targetTexts: targetTexts, beams: beams)
        evaluation.metrics.merge(scored.metrics) { _, new in new }
        evaluation.details += scored.details
        return evaluation
    }

    /// Decodes `sources` with the run's settings and scores the outputs against `references`: `bleu` is
    /// sacrebleu's corpus BLEU on detokenized text (13a; against `targetTexts` when the original targets are at
    /// hand, else the references' decoded ids; case-insensitive when `tokenizer.lowercase`), `token_bleu` the
    /// same formula on target token ids.
    func score(sources: [[Int32]], references: [[Int32]], texts: [String]?, targetTexts: [String]? = nil,
               beams: Int? = nil) throws -> Evaluation {
        let beams = beams ?? configuration.int("decoding.beams") ?? 1
        let outputs = try decode(sources, batchSize: trainer.options.evalBatchSize ?? trainer.options.batchSize) { $0.beams = beams }
            .map { $0[0].tokens }
        var bleu = CorpusBLEU(), tokenBLEU = CorpusBLEU()
        var exact = ExactMatch()
        // A lowercasing tokenizer can only say lowercase words: score case-insensitively (sacrebleu's -lc), so
        // original cased targets and a prepared split's decoded ones give the same BLEU.
        let lowercase = configuration.bool("tokenizer.lowercase") ?? false
        for (i, (output, reference)) in zip(outputs, references).enumerated() {
            tokenBLEU.add(hypothesis: output, reference: reference)
            let referenceText = targetTexts?[i] ?? targetText(reference)
            let outputText = targetText(output)
            bleu.add(hypothesisText: lowercase ? outputText.lowercased() : outputText,
                     referenceTexts: [lowercase ? referenceText.lowercased() : referenceText])
        }
        exact.add(hypotheses: outputs, references: references)
        // The seed's printout: input, target and output of the first examples.
        var table = "| input | target | output |\n|---|---|---|\n"
        for i in 0..<min(10, sources.count) {
            let input = texts?[i] ?? ((try? data.sourceTokenizer.decode(sources[i])) ?? "")
            table += "| \(Self.cell(input)) | \(Self.cell(targetText(references[i]))) | \(Self.cell(targetText(outputs[i]))) |\n"
        }
        // bleu_length_ratio: sacrebleu's "ratio", output over reference length (below 1, the brevity penalty).
        let text = bleu.score()
        return Evaluation(metrics: ["bleu": text.score, "token_bleu": tokenBLEU.score().score, "exact_match": exact.rate,
                                    "bleu_length_ratio": text.ratio],
                          details: [.text(title: "Examples (\(beams > 1 ? "beam \(beams)" : "greedy"))", body: table)])
    }

    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
