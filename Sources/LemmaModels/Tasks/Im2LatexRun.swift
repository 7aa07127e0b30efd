import Foundation
import LemmaData
import LemmaDecoding
import LemmaNN
import LemmaTensor
import LemmaText
import LemmaTrain
import Synchronization

/// An im2latex run (seed 003) in a run directory: what `lemma train`, `eval` and `predict` do for
/// `task: im2latex`. Training is im2markup's (teacher-forced cross-entropy, batches of one image size); the
/// final evaluation decodes with beam search (`decoding.beams`, 5 by default) and scores token BLEU-4, edit
/// distance, exact match and im2markup's image metrics (rendered prediction against rendered gold).
public final class Im2LatexRun: TaskRun {
    public let directory: RunDirectory
    public let configuration: RunConfiguration
    public let data: Im2LatexData
    public let task: Im2LatexTask
    public let trainer: Trainer<Im2LatexTask, FormulaImageSource>
    let log: (String) -> Void
    public var callbacks: [any TrainerCallback] = []

    public var model: any FormulaReader { task.reader }
    public var modelFile: URL { directory.url.appendingPathComponent("model.safetensors") }

    public static func start(_ configuration: RunConfiguration, in directory: RunDirectory,
                             log: @escaping (String) -> Void = { _ in }) throws -> Im2LatexRun {
        let settings = try Im2LatexData.Settings(configuration)
        _ = try sizes(configuration)
        _ = try untrixSizes(configuration)
        try ConfiguredDecoding.check(configuration)
        return try RunLifecycle.start(configuration, in: directory) {
            let data = try settings.prepared.map { try Im2LatexData.adopt($0, settings: settings, into: directory.data) }
                ?? Im2LatexData.prepare(settings, into: directory.data, log: log)
            return try Im2LatexRun(configuration, directory: directory, data: data, log: log)
        }
    }

    public convenience init(opening configuration: RunConfiguration, directory: RunDirectory, log: @escaping (String) -> Void) throws {
        let data = try Im2LatexData.open(directory.data, settings: try Im2LatexData.Settings(configuration))
        try self.init(configuration, directory: directory, data: data, log: log)
    }

    init(_ configuration: RunConfiguration, directory: RunDirectory, data: Im2LatexData, log: @escaping (String) -> Void) throws {
        self.configuration = configuration
        self.directory = directory
        self.data = data
        self.log = log
        let options = try TrainingOptions(configuration)
        let generator = RandomGenerator(seed: options.seed)
        let model: any FormulaReader
        if let untrix = try Self.untrixSizes(configuration) {
            model = UntrixModel(vocabularySize: data.tokenizer.vocabularySize, sizes: untrix, bos: data.bos, eos: data.eos, pad: data.pad,
                                generator: generator)
        } else {
            model = Im2MarkupModel(vocabularySize: data.tokenizer.vocabularySize, sizes: try Self.sizes(configuration),
                                   bos: data.bos, eos: data.eos, pad: data.pad, generator: generator)
        }
        task = Im2LatexTask(model: model)
        let train = FormulaImageSource(dataset: data.train, bos: data.bos, eos: data.eos, pad: data.pad)
        let valid = FormulaImageSource(dataset: data.valid, bos: data.bos, eos: data.eos, pad: data.pad)
        trainer = try Trainer(task: task, train: train, valid: valid, options: options,
                              checkpoints: CheckpointStore(directory: directory.checkpoints),
                              order: .bucketed(bounds: train.sizeBuckets), evaluationOrder: .sortedByLength)
    }

    /// im2markup's sizes (`model.arch: im2markup`, the default).
    static func sizes(_ c: RunConfiguration) throws -> Im2MarkupModel.Sizes {
        let arch = c.string("model.arch") ?? "im2markup"
        guard ["im2markup", "untrix"].contains(arch) else {
            throw ConfigError("'model.arch' \(arch) is not an im2latex preset; use im2markup or untrix")
        }
        var sizes = Im2MarkupModel.Sizes()
        let channels = c.int("model.cnn_channels") ?? 512
        guard channels >= 8, channels % 8 == 0 else { throw ConfigError("'model.cnn_channels' must be a multiple of 8") }
        sizes.cnnWidths = [channels / 8, channels / 4, channels / 2, channels / 2, channels, channels]
        sizes.rowEncoderHidden = c.int("model.encoder_hidden_size") ?? 256
        sizes.embedding = c.int("model.embedding_dim") ?? 80
        sizes.decoderHidden = c.int("model.hidden_size") ?? 512
        sizes.dropout = Float(c.double("model.dropout") ?? 0)
        guard sizes.embedding > 0, sizes.decoderHidden > 0, sizes.rowEncoderHidden >= 0 else {
            throw ConfigError("'model.embedding_dim', 'model.hidden_size' and 'model.encoder_hidden_size' must be positive")
        }
        guard (0..<1).contains(sizes.dropout) else { throw ConfigError("'model.dropout' must be in [0, 1)") }
        return sizes
    }

    /// Seed 003's model (`model.arch: untrix`), nil for other presets: CNN widths from `model.cnn_channels`
    /// (c/8, c/4, c/2, c, c), the canvas from `model.canvas_width` × `model.canvas_height`, strips or grid cells
    /// (`model.image_strips`), `model.num_layers` peephole LSTMs of `model.hidden_size`, embedding
    /// `model.embedding_dim`, output MLP `model.output_hidden_size`.
    static func untrixSizes(_ c: RunConfiguration) throws -> UntrixModel.Sizes? {
        guard c.string("model.arch") == "untrix" else { return nil }
        if let dropout = c.double("model.dropout"), dropout != 0 {
            throw ConfigError("'model.dropout' is \(dropout), but untrix has no dropout (seed 003 trains without); remove the key or set it to 0")
        }
        var sizes = UntrixModel.Sizes()
        let channels = c.int("model.cnn_channels") ?? 512
        guard channels >= 8, channels % 8 == 0 else { throw ConfigError("'model.cnn_channels' must be a multiple of 8") }
        sizes.cnnWidths = [channels / 8, channels / 4, channels / 2, channels, channels]
        sizes.canvasWidth = c.int("model.canvas_width") ?? sizes.canvasWidth
        sizes.canvasHeight = c.int("model.canvas_height") ?? sizes.canvasHeight
        guard sizes.canvasWidth >= 32, sizes.canvasHeight >= 32, sizes.canvasWidth % 32 == 0, sizes.canvasHeight % 32 == 0 else {
            throw ConfigError("'model.canvas_width' and 'model.canvas_height' must be positive multiples of 32 (five 2×2 pools)")
        }
        sizes.strips = c.bool("model.image_strips") ?? true
        sizes.embedding = c.int("model.embedding_dim") ?? 80
        sizes.decoderHidden = c.int("model.hidden_size") ?? 512
        sizes.layers = c.int("model.num_layers") ?? 1
        sizes.outputHidden = c.int("model.output_hidden_size") ?? sizes.outputHidden
        guard sizes.embedding > 0, sizes.decoderHidden > 0, sizes.layers > 0, sizes.outputHidden > 0 else {
            throw ConfigError("'model.embedding_dim', 'model.hidden_size', 'model.num_layers' and 'model.output_hidden_size' must be positive")
        }
        return sizes
    }

    public var overview: String {
        "model: im2latex \(configuration.string("model.arch") ?? "im2markup"), \(model.parameterCount()) parameters; "
            + "vocabulary \(data.tokenizer.vocabularySize); \(data.train.count) training images in "
            + "\(FormulaImageSource(dataset: data.train, bos: 0, eos: 0, pad: 0).sizeBuckets.count) sizes; \(trainer.state.totalSteps) steps"
    }

    @discardableResult
    public func train(resume: Bool, handleSignals: Bool, progress: Bool) throws -> (TrainingResult, EvaluationRecord?) {
        let result = try RunLifecycle.fit(trainer, directory: directory, resume: resume, handleSignals: handleSignals,
                                          progress: progress, extra: callbacks, log: log)
        guard result.reason != .requested, trainer.isPrimary else { return (result, nil) }
        try RunLifecycle.saveTrainedModel(model, directory: directory, result: result)
        let record = try RunLifecycle.evaluateAndFinish(trainer, result: result, task: "im2latex", directory: directory,
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

    public func decodingOptions(beams: Int? = nil) throws -> DecodingOptions {
        try ConfiguredDecoding.check(configuration)
        var options = DecodingOptions(maxNewTokens: configuration.int("decoding.max_length") ?? 150)
        options.beams = beams ?? configuration.int("decoding.beams") ?? 5
        options.lengthPenalty = Float(configuration.double("decoding.length_penalty") ?? 0)
        ConfiguredDecoding.apply(configuration, to: &options)
        options.stopTokens = [data.eos, data.pad]
        do { try options.validate(vocabularySize: data.tokenizer.vocabularySize) } catch let error as DecodingOptionsError { throw ConfigError("decoding: \(error.description)") }
        return options
    }

    /// Decodes processed images, grouped by size into batches of at most `batchSize`, in input order: the
    /// best hypothesis's tokens, without the end token.
    public func decode(_ images: [GrayImage], batchSize: Int, beams: Int? = nil) throws -> [[Int32]] {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let options = try decodingOptions(beams: beams)
        let groups = Dictionary(grouping: images.indices) { FormulaImageSource.sizeKey(width: images[$0].width, height: images[$0].height) }
        let batches = groups.keys.sorted().flatMap { key in
            let members = groups[key]!
            return stride(from: 0, to: members.count, by: batchSize).map { Array(members[$0..<min($0 + batchSize, members.count)]) }
        }
        // Batches side by side, one per core (`ConcurrentLanes`), as seq2seq decoding runs them.
        let results = Mutex([[Int32]](repeating: [], count: images.count))
        try ConcurrentLanes.forEach(batches.count) { job in
            let rows = batches[job]
            let batch = FormulaImageSource.collate(images: rows.map { images[$0] }, tokens: rows.map { _ in [] }, indices: rows,
                                                   bos: data.bos, eos: data.eos, pad: data.pad)
            let hypotheses = try withNoGrad { try model.generate(batch.images, options: options) }
            let found = hypotheses.map { $0[0].tokens.filter { $0 != data.eos && $0 != data.pad } }
            results.withLock { results in
                for (row, tokens) in zip(rows, found) { results[row] = tokens }
            }
        }
        return results.withLock { $0 }
    }

    public func latex(_ ids: [Int32]) -> String { (try? data.tokenizer.decode(ids)) ?? "" }

    // MARK: - Evaluation

    /// Greedy decoding of one image, keeping each step's token and attention over the feature grid.
    public func attentionTrace(_ image: GrayImage, maxTokens: Int) -> (steps: [(token: String, weights: [Float])], gridHeight: Int, gridWidth: Int) {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return withNoGrad {
            let batch = FormulaImageSource.collate(images: [image], tokens: [[]], indices: [0], bos: data.bos, eos: data.eos, pad: data.pad)
            var state = model.encode(batch.images)
            var token = data.bos
            var steps: [(token: String, weights: [Float])] = []
            for _ in 0..<maxTokens {
                let (logits, next) = model.decode([token], state: state)
                state = next
                token = logits.argmax(axis: 1).values[0]
                if token == data.eos || token == data.pad { break }
                steps.append((data.tokenizer.vocabulary.token(token) ?? "?", next.lastAttention?.scalars ?? []))
            }
            return (steps, state.gridHeight, state.gridWidth)
        }
    }

    /// The picture the attention grid covers: the image itself, or for untrix the canvas it sits centred on.
    func attentionBackground(_ image: GrayImage) -> GrayImage {
        guard let untrix = model as? UntrixModel, image.width <= untrix.sizes.canvasWidth, image.height <= untrix.sizes.canvasHeight else {
            return image
        }
        var canvas = GrayImage(width: untrix.sizes.canvasWidth, height: untrix.sizes.canvasHeight)
        let top = (canvas.height - image.height) / 2, left = (canvas.width - image.width) / 2
        for y in 0..<image.height {
            for x in 0..<image.width { canvas.pixels[(top + y) * canvas.width + left + x] = image.pixels[y * image.width + x] }
        }
        return canvas
    }

    /// im2markup's image metrics: gold and predicted LaTeX rendered alike (the run's resolution, tight box) and
    /// compared column by column; a prediction that does not compile counts as blank. Nil (and a log line)
    /// when LaTeX is not installed.
    func imageMatch(references: [String], predictions: [String]) throws -> ImageMatch? {
        let renderer: FormulaRenderer
        do { renderer = try FormulaRenderer(dpi: configuration.int("data.render_dpi") ?? 200) } catch {
            log("image metrics skipped: \(error)")
            return nil
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-image-match-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let examples = (references + predictions).enumerated().map { FormulaExample(imageName: "\($0.offset).png", formula: $0.element, line: $0.offset + 1) }
        _ = try renderer.renderMissing(examples, into: scratch, workers: ProcessInfo.processInfo.activeProcessorCount)
        var match = ImageMatch()
        for i in references.indices {
            // A gold formula that does not compile cannot be scored (im2markup's test set renders by construction).
            guard let gold = try? PNGCodec.read(scratch.appendingPathComponent("\(i).png")) else { continue }
            match.add(gold: gold, predicted: try? PNGCodec.read(scratch.appendingPathComponent("\(references.count + i).png")))
        }
        return match
    }

    /// The teacher-forced loss and accuracy, then beam-search decoding scored by token BLEU-4 (nltk's
    /// corpus_bleu / multi-bleu.perl on tokens), edit distance (1 − total edits / Σ max(prediction, gold length),
    /// im2markup's text metric) and exact match, with a table of the worst examples and a seeded sample of the others,
    /// and the attention of two sampled examples.
    public func evaluate(_ dataset: FormulaImageDataset, beams: Int? = nil) throws -> Evaluation {
        var evaluation = trainer.evaluate(FormulaImageSource(dataset: dataset, bos: data.bos, eos: data.eos, pad: data.pad))
        let images = (0..<dataset.count).map(dataset.image)
        let references = (0..<dataset.count).map(dataset.tokenIDs)
        let outputs = try decode(images, batchSize: trainer.options.evalBatchSize ?? trainer.options.batchSize, beams: beams)
        var bleu = CorpusBLEU(), edits = EditDistance(), exact = ExactMatch()
        var perExample: [(index: Int, distance: Double)] = []
        for (i, (output, reference)) in zip(outputs, references).enumerated() {
            bleu.add(hypothesis: output, reference: reference)
            var one = EditDistance()
            one.add(hypothesis: output, reference: reference)
            edits.merge(one)
            perExample.append((i, Double(one.totalEdits) / Double(max(reference.count, 1))))
        }
        exact.add(hypotheses: outputs, references: references)
        let beamCount = beams ?? configuration.int("decoding.beams") ?? 5
        var table = "| image | gold | predicted | edits/length |\n|---|---|---|---|\n"
        let worst = perExample.sorted { $0.distance > $1.distance }.prefix(10)
        // A sample of the rest, drawn the same way every time (the run's seed): the split's first images are
        // not a sample when its list is ordered (by size, by source).
        let random = RandomGenerator(seed: UInt64(configuration.int("train.seed") ?? 42))
        var rest = perExample.filter { example in !worst.contains { $0.index == example.index } }
        for i in rest.indices.reversed() where i > 0 { rest.swapAt(i, Int(random.next() % UInt64(i + 1))) }
        let first = rest.prefix(10)
        for (i, distance) in Array(worst) + Array(first) {
            table += "| \(dataset.names[i]) | \(Seq2SeqRun.cell(latex(references[i]))) | \(Seq2SeqRun.cell(latex(outputs[i]))) | \(String(format: "%.2f", distance)) |\n"
        }
        // im2markup scores with multi-bleu.perl: corpus BLEU-4 without smoothing (0 when an order has no match).
        evaluation.metrics["bleu"] = bleu.score(smoothing: .none).score
        // im2markup's evaluate_text_edit_distance.py: 1 − Σ distance / Σ max(length of prediction, of gold).
        evaluation.metrics["edit_distance"] = edits.im2markupAccuracy
        evaluation.metrics["exact_match"] = exact.rate
        if let images = try imageMatch(references: references.map(latex), predictions: outputs.map(latex)) {
            evaluation.metrics["image_edit_distance"] = images.editScore
            evaluation.metrics["image_match"] = images.matchRate
            evaluation.metrics["image_match_ws"] = images.matchWithoutSpaceRate
        }
        // A split of ten or fewer examples is shown whole, worst first.
        let tableTitle = first.isEmpty ? "All \(worst.count) examples, worst first" : "Worst 10, then a sample of \(first.count) others"
        evaluation.details.append(.text(title: "\(tableTitle) (beam \(beamCount))", body: table))
        let shown = Array(worst.prefix(5)) + Array(first.prefix(5))
        evaluation.details.append(.figure(svg: Im2LatexFigures.examples(shown.map { i, distance in
            (images[i], latex(references[i]), latex(outputs[i]), "\(dataset.names[i]): \(String(format: "%.2f", distance)) edits per token")
        }), caption: "The five worst examples, then five of the sample (beam \(beamCount))", fileName: "examples.svg"))
        for (n, i) in (first.isEmpty ? Array(worst) : Array(first)).prefix(2).map(\.index).enumerated() {
            let trace = attentionTrace(images[i], maxTokens: 24)
            evaluation.details.append(.figure(svg: Im2LatexFigures.attention(image: attentionBackground(images[i]), steps: trace.steps,
                                                                             gridHeight: trace.gridHeight, gridWidth: trace.gridWidth),
                                              caption: "Attention of \(dataset.names[i]), token by token (greedy decoding)",
                                              fileName: "attention_\(n + 1).svg"))
        }
        return evaluation
    }
}
