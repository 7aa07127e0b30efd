import ArgumentParser
import Foundation
import Lemma

/// `lemma eval`: the trained model of a run on a corpus its task can read.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a run's trained model: a classification report and confusion matrix, a seq2seq run's BLEU, accuracies and exact match, a language model's loss and perplexity, or an im2latex run's BLEU, edit distance, exact match and image match.")

    @Option(name: .customLong("run"), help: "Run directory.") var runDirectory: String
    @Option(help: "Corpus in a format `lemma train` reads for the run's task (seq2seq: pairs by the run's columns, a source file with --target, or train, valid or test for a prepared split; im2latex: train, valid or test for a prepared split, or a split list read with the run's formulas and images).")
    var data: String
    @Option(help: "seq2seq: the target side of parallel files (--data is then the source side).") var target: String?
    @Option(parsing: .unconditional, help: "seq2seq, im2latex: beam size (default: the run's decoding.beams).") var beam: Int?
    @Flag(help: "Print one JSON object (classification: accuracy, macro_f1, weighted_f1, per_class, loss; seq2seq: bleu (sacrebleu's, on text), bleu_length_ratio (output over reference length), token_bleu, seq2seq_accuracy, token_accuracy, exact_match, loss (teacher-forced), free_running_loss, free_running_bleu, fastai_bleu (course-nlp's CorpusBLEU on ids, 0–1); language_model: loss, perplexity, tokens; im2latex: bleu, edit_distance, exact_match, image_edit_distance, image_match, image_match_ws, loss, perplexity, token_accuracy, count).")
    var json = false

    func run() throws {
        let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let run = try TaskRegistry.open(RunDirectory(URL(fileURLWithPath: runDirectory)), log: log)
        try run.loadTrainedModel()
        switch run {
        case let classification as ClassificationRun: try evaluate(classification)
        case let seq2seq as Seq2SeqRun: try evaluate(seq2seq)
        case let languageModel as LanguageModelRun: try evaluate(languageModel)
        case let im2latex as Im2LatexRun: try evaluate(im2latex)
        default: throw ValidationError("lemma eval does not know task \(run.configuration.task) yet")
        }
    }

    func evaluate(_ classification: ClassificationRun) throws {
        if target != nil || beam != nil { throw ValidationError("--target and --beam apply to seq2seq runs") }
        let (metrics, loss) = try classification.evaluate(corpus: data)
        if json {
            // The scores are ratios that count 0/0 as 0; the loss of a diverged model can be NaN, written null as in jsonText.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var object = try JSONSerialization.jsonObject(with: try encoder.encode(metrics.summary)) as! [String: Any]
            object["loss"] = loss.isFinite ? loss : NSNull()
            object["count"] = metrics.count
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(metrics.report().render())
            print("confusion matrix (rows: true, columns: predicted):")
            print(metrics.confusion.description)
            print(String(format: "loss %.4f on %d examples", loss, metrics.count))
        }
    }

    func evaluate(_ seq2seq: Seq2SeqRun) throws {
        if let beam, beam < 1 { throw ValidationError("--beam must be at least 1, got \(beam)") }
        // A prepared split by name, as training scored it (unless a file of that name is meant).
        if target == nil, ["train", "valid", "test"].contains(data), !FileManager.default.fileExists(atPath: data) {
            let splits = ["train": seq2seq.data.train, "valid": seq2seq.data.valid, "test": seq2seq.data.test]
            guard let split = splits[data] ?? nil else { throw ValidationError("the run has no \(data) split") }
            try show(try seq2seq.evaluate(split, beams: beam))
            return
        }
        let corpus: PairedCorpusSource
        if let target {
            corpus = PairedCorpusSource(.parallel(sourcePath: data, targetPath: target))
        } else {
            let c = seq2seq.configuration
            corpus = PairedCorpusSource(.table(path: data, sourceColumn: c.string("data.source_column") ?? "source",
                                               targetColumn: c.string("data.target_column") ?? "target"))
        }
        let evaluation = try seq2seq.evaluate(corpus: corpus, beams: beam)
        try show(evaluation)
    }

    /// Loss and perplexity over the text of `--data` (a file, directory, glob or JSONL, read as training reads it).
    func evaluate(_ languageModel: LanguageModelRun) throws {
        if target != nil || beam != nil { throw ValidationError("--target and --beam apply to seq2seq runs") }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-eval-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let c = languageModel.configuration
        let stream = try LanguageModelData.encode(DocumentSource(path: data, textField: c.string("data.text_column") ?? "text"),
                                                  into: scratch, tokenizer: languageModel.data.tokenizer,
                                                  allowSpecial: c.bool("tokenizer.allow_special") ?? true)
        var metrics = languageModel.evaluate(stream).metrics
        metrics["tokens"] = Double(stream.count)
        if json {
            print(try Self.jsonText(metrics))
        } else {
            print(String(format: "loss %.4f, perplexity %.2f over %d tokens", metrics["loss"]!, metrics["perplexity"]!, stream.count))
        }
    }

    /// A prepared split by name, or a split list prepared with the run's settings (rendering what is missing).
    func evaluate(_ im2latex: Im2LatexRun) throws {
        if target != nil { throw ValidationError("--target applies to seq2seq runs") }
        if let beam, beam < 1 { throw ValidationError("--beam must be at least 1, got \(beam)") }
        let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-eval-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let dataset: FormulaImageDataset
        // A prepared split by name, as training scored it (unless a file of that name is meant), as for seq2seq.
        switch FileManager.default.fileExists(atPath: data) ? nil : data {
        case "train": dataset = im2latex.data.train
        case "valid": dataset = im2latex.data.valid
        case "test":
            guard let test = im2latex.data.test else { throw ValidationError("the run has no test split (data.test)") }
            dataset = test
        default:
            guard FileManager.default.fileExists(atPath: data) else {
                throw ValidationError("--data '\(data)': not train, valid or test, and no such file")
            }
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            dataset = try Im2LatexData.prepareExtra(URL(fileURLWithPath: data), settings: try Im2LatexData.Settings(im2latex.configuration),
                                                    tokenizer: im2latex.data.tokenizer, into: scratch, log: log)
        }
        var evaluation = try im2latex.evaluate(dataset, beams: beam)
        evaluation.metrics["count"] = Double(dataset.count)
        try show(evaluation)
    }

    /// Metrics as one JSON object with sorted keys; a metric with no value (NaN: nothing to average) is null,
    /// which JSON can hold and JSONSerialization would refuse NaN for.
    static func jsonText(_ metrics: [String: Double]) throws -> String {
        let object = metrics.mapValues { $0.isFinite ? $0 as Any : NSNull() }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// The metrics as one JSON object (--json), or the report's tables and one metric per line.
    func show(_ evaluation: Evaluation) throws {
        if json {
            print(try Self.jsonText(evaluation.metrics))
        } else {
            for case let .text(title, body) in evaluation.details { print("\(title):\n\(body)") }
            for (name, value) in evaluation.metrics.sorted(by: { $0.key < $1.key }) { print(String(format: "%@ %.4f", name, value)) }
        }
    }
}
