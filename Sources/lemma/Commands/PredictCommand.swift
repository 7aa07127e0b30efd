import ArgumentParser
import Foundation
import Lemma

/// `lemma predict`: a run's model on new inputs, one JSON object per input (per hypothesis with --n-best).
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict with a run's trained model: one JSON object per input line (classification: label and probabilities; seq2seq: output and score), or per image (im2latex: image, latex and token count).")

    @Option(name: .customLong("run"), help: "Run directory.") var runDirectory: String
    @Argument(help: "Inputs: a text file with one per line (default: standard input), or a corpus in the training data's format (.csv, .tsv, .jsonl, .tar, a directory), read by the run's text (or source) column; im2latex: PNG images.")
    var inputs: [String] = []
    @Option(parsing: .unconditional, help: "Inputs per batch.") var batchSize = 64
    @Option(parsing: .unconditional, help: "seq2seq, im2latex: beam size (default: the run's decoding.beams).") var beam: Int?
    @Option(name: .customLong("n-best"), parsing: .unconditional, help: "seq2seq: hypotheses printed per input, best first (at most --beam; with --sample, independent samples).")
    var nBest = 1
    @Flag(help: "seq2seq: sample instead of searching.") var sample = false
    @Option(parsing: .unconditional, help: "seq2seq sampling: temperature.") var temperature: Float?
    @Option(name: .customLong("top-k"), parsing: .unconditional, help: "seq2seq sampling: keep the k best tokens.") var topK: Int?
    @Option(name: .customLong("top-p"), parsing: .unconditional, help: "seq2seq sampling: keep the best tokens up to this probability.") var topP: Float?
    @Flag(help: "seq2seq sampling: pick uniformly among the tokens --top-k / --top-p keep (fastai course-nlp's variant), not by probability.")
    var uniform = false
    @Option(parsing: .unconditional, help: "seq2seq sampling: seed.") var seed: UInt64 = 0

    static func isCorpus(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return true }
        return ["csv", "tsv", "jsonl", "tar"].contains(URL(fileURLWithPath: path).pathExtension.lowercased())
    }

    /// Samples per input at most: each is a row of the decoding batch with its own model state, so a mistyped
    /// `--n-best` would otherwise grow memory until the process is killed.
    static let maxSamples = 1024

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if sample, nBest > Self.maxSamples {
            throw ValidationError("--n-best \(nBest) exceeds \(Self.maxSamples) samples per input; draw more with further runs and other --seed values")
        }
        if !sample, temperature != nil || topK != nil || topP != nil || uniform {
            throw ValidationError("--temperature, --top-k, --top-p and --uniform apply only with --sample")
        }
    }

    func run() throws {
        let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let run = try TaskRegistry.open(RunDirectory(URL(fileURLWithPath: runDirectory)), log: log)
        try run.loadTrainedModel()
        if let im2latex = run as? Im2LatexRun { return try transcribe(im2latex) }
        guard inputs.count <= 1 else { throw ValidationError("give one input file (or none, for standard input); several inputs are for im2latex images") }
        let file = inputs.first
        let column: String
        let output: ([String]) throws -> String
        switch run {
        case let classification as ClassificationRun:
            if beam != nil || nBest != 1 || sample { throw ValidationError("--beam, --n-best and --sample apply to seq2seq runs") }
            column = classification.configuration.string("data.text_column") ?? "text"
            output = { classify($0, classification) }
        case let seq2seq as Seq2SeqRun:
            column = seq2seq.configuration.string("data.source_column") ?? "source"
            output = { try translate($0, seq2seq, log: log) }
        default:
            throw ValidationError("lemma predict does not know task \(run.configuration.task) yet")
        }
        var pending: [String] = []
        func flush() throws {
            emit(try output(pending))
            pending.removeAll(keepingCapacity: true)
        }
        func add(_ text: String) throws {
            pending.append(text)
            if pending.count == batchSize { try flush() }
        }
        if let file, Self.isCorpus(file) {
            // The dataset's own format, streamed by the configured column; labels and targets are ignored. It is
            // read through once first, so that a bad row stops the command before anything is printed (reading
            // costs little beside predicting).
            try CorpusSource(path: file, textColumn: column, labelColumn: nil).forEach { _ in }
            try CorpusSource(path: file, textColumn: column, labelColumn: nil).forEach { try add($0.text) }
        } else {
            for line in try InputLines.read(file) { try add(line) }
        }
        if !pending.isEmpty { try flush() }
    }

    func classify(_ texts: [String], _ classification: ClassificationRun) -> String {
        let classes = classification.data.classes
        var out = ""
        for (text, prediction) in zip(texts, classification.predict(texts)) {
            let probabilities = zip(classes, prediction.probabilities)
                .map { "\(jsonQuoted($0)): \(String(format: "%.6g", Double($1)))" }.joined(separator: ", ")
            out += "{\"text\": \(jsonQuoted(text)), \"label\": \(jsonQuoted(prediction.label)), \"probabilities\": {\(probabilities)}}\n"
        }
        return out
    }

    func translate(_ texts: [String], _ seq2seq: Seq2SeqRun, log: (String) -> Void) throws -> String {
        let encoded = texts.map(seq2seq.sourceIDs)
        let cut = encoded.filter(\.truncated).count
        if cut > 0 { log("\(cut) inputs longer than \(seq2seq.maxSourceLength) tokens were cut (tokenizer.max_length)") }
        var request = DecodingRequest()
        (request.beams, request.n, request.sample) = (beam, nBest, sample)
        (request.temperature, request.topK, request.topP, request.seed) = (temperature, topK, topP, seed)
        request.uniformWithinSet = uniform
        let hypotheses = try seq2seq.decode(encoded.map(\.ids), batchSize: batchSize) { request.apply(to: &$0) }
        var out = ""
        for (text, list) in zip(texts, hypotheses) {
            for (rank, hypothesis) in list.enumerated() {
                let rankField = list.count > 1 ? ", \"rank\": \(rank + 1)" : ""
                out += "{\"source\": \(jsonQuoted(text))\(rankField), \"output\": \(jsonQuoted(seq2seq.targetText(hypothesis.tokens))), "
                    + "\"score\": \(String(format: "%.6g", Double(hypothesis.score)))}\n"
            }
        }
        return out
    }

    /// im2latex: each image read, cropped, padded, bucketed and downsampled as training's were, then decoded.
    /// Every image is read before any is decoded, so a bad one stops the command before it prints anything.
    func transcribe(_ im2latex: Im2LatexRun) throws {
        if sample || nBest != 1 { throw ValidationError("--sample and --n-best apply to seq2seq runs") }
        if let beam, beam < 1 { throw ValidationError("--beam must be at least 1, got \(beam)") }
        guard !inputs.isEmpty else { throw ValidationError("give one or more PNG images") }
        var images: [GrayImage] = []
        for path in inputs {
            let image = try PNGCodec.read(URL(fileURLWithPath: path))
            guard let processed = im2latex.data.preprocessing.process(image) else {
                throw FileFormatError(path, "the image is blank (no pixel darker than the paper)")
            }
            images.append(processed)
        }
        let outputs = try im2latex.decode(images, batchSize: batchSize, beams: beam)
        var out = ""
        for (path, ids) in zip(inputs, outputs) {
            out += "{\"image\": \(jsonQuoted(path)), \"latex\": \(jsonQuoted(im2latex.latex(ids))), \"tokens\": \(ids.count)}\n"
        }
        emit(out)
    }
}
