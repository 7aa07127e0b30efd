import ArgumentParser
import Foundation
import Lemma

/// `lemma prepare`: streams a corpus through a tokenizer into a memory-mapped `TokenDataset`, in memory that
/// does not grow with the corpus; or, with `--config`, prepares a task's data (im2latex: rendering, cropping,
/// bucketing, vocabulary) once for runs to share through `data.prepared`. The output appears only when
/// complete, so re-running is safe.
struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Tokenize a labelled corpus into a compact on-disk dataset.",
        discussion: """
        The input format follows the path: .csv, .tsv, .jsonl, .txt (one example per line), .tar (llamapun: \
        <label>/<id>.txt members) or a directory (one file per example, labelled by sub-directory). \
        With --config (im2latex), the configuration's data keys are prepared into --output instead; a run \
        then uses it with `--set data.prepared=OUTPUT`, which checks that the data keys match.
        """)

    @Option(help: "Corpus file or directory.") var input: String?
    @Option(help: "A task configuration whose data to prepare (im2latex), instead of --input.") var config: String?
    @Option(name: .customLong("set"), help: "Override a configuration key (with --config; repeatable).") var overrides: [String] = []
    @Option(help: "Dataset directory to write.") var output: String
    @Option(help: "gpt2, wordpiece, word, whitespace, char or latex.") var tokenizer = "word"
    @Option(help: "Vocabulary file; without one, word/char/latex build a vocabulary from the corpus (saved as vocab.txt in the output).")
    var vocab: String?
    @Flag(help: "Lower-case before tokenizing (word, wordpiece).") var lowercase = false
    @Option(help: "CSV/TSV column or JSONL field with the text.") var textColumn = "text"
    @Option(help: "CSV/TSV column or JSONL field with the label.") var labelColumn = "label"
    @Option(help: "Label map: 'ams8' (seed 000's 28 → 8 AMS classes) or a JSON object {\"label\": \"class\" or null}.")
    var labelMap: String?
    @Option(help: "What to do with labels the label map does not list: error (default), skip, keep or map:<class> (counts per label are printed).")
    var unknownLabels = "error"
    @Option(help: "Keep at most this many examples per class (the first ones).") var maxPerClass: Int?
    @Option(help: "Keep at most this many tokens per example.") var maxLength: Int?
    @Option(help: "Least count of a token in a built vocabulary.") var minFrequency = 1
    @Option(help: "Largest size of a built vocabulary, special tokens included.") var maxVocabulary: Int?

    func validate() throws {
        if (input == nil) == (config == nil) { throw ValidationError("give either --input CORPUS or --config CONFIG") }
        if config == nil, !overrides.isEmpty { throw ValidationError("--set applies to --config") }
        guard TokenizerSpec.Kind(rawValue: tokenizer) != nil else {
            throw ValidationError("--tokenizer must be one of \(TokenizerSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(tokenizer)'")
        }
        if let maxPerClass, maxPerClass < 1 { throw ValidationError("--max-per-class must be at least 1") }
        if let maxLength, maxLength < 1 { throw ValidationError("--max-length must be at least 1") }
    }

    func run() throws {
        if let config {
            var configuration = try RunConfiguration(contentsOf: URL(fileURLWithPath: config))
            try configuration.apply(overrides: overrides)
            let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            print(try TaskRegistry.prepare(configuration, into: URL(fileURLWithPath: output), log: log))
            return
        }
        let input = input!
        let source = CorpusSource(path: input, textColumn: textColumn, labelColumn: labelColumn)
        let policy = try LabelMap.UnknownLabels(parsing: unknownLabels)
        let map = try labelMap.map { try LabelMap.load($0).with(unknownLabels: policy) }
        let spec = TokenizerSpec(kind: TokenizerSpec.Kind(rawValue: tokenizer)!, vocabulary: vocab.map { URL(fileURLWithPath: $0) },
                                 lowercase: lowercase)
        let needsVocabulary = spec.buildsVocabulary
        let made: any Tokenizer
        if needsVocabulary {
            let progress = Progress("building vocabulary")
            var seen = 0
            made = try spec.make(corpus: { each in
                var kept = KeptExamples(source, map: map, maxPerClass: maxPerClass)
                try kept.forEach { example in
                    each(example.text)
                    seen += 1
                    progress.update(seen)
                }
            }, minFrequency: minFrequency, maxSize: maxVocabulary)
            progress.finish(seen, detail: "\(made.vocabularySize) tokens")
        } else {
            made = try spec.make()
        }

        let writer = try TokenDatasetWriter(destination: URL(fileURLWithPath: output))
        if let map { writer.declareLabels(map.classes) }
        let progress = Progress("tokenizing")
        var kept = KeptExamples(source, map: map, maxPerClass: maxPerClass)
        try kept.forEach { example in
            var ids = made.encode(example.text)
            if let maxLength, ids.count > maxLength { ids.removeLast(ids.count - maxLength) }
            try writer.append(tokenIDs: ids, label: example.label)
            progress.update(writer.exampleCount)
        }
        progress.finish(writer.exampleCount)
        if let summary = kept.unknownLabelSummary { FileHandle.standardError.write(Data((summary + "\n").utf8)) }
        var summary = spec.summary
        if needsVocabulary, let built = made as? any VocabularyTokenizer {
            try built.vocabulary.write(to: writer.staging.appendingPathComponent("vocab.txt"))
            summary = "\(spec.kind.rawValue) vocab=vocab.txt" + (lowercase ? " lowercase" : "")
        }
        let info = try writer.finish(tokenizer: summary, vocabularySize: made.vocabularySize, source: input)
        print("wrote \(output): \(info.exampleCount) examples, \(info.tokenCount) tokens, \(info.labels.count) labels, vocabulary \(info.vocabularySize)")
        for label in info.labels { print("  \(label): \(info.examplesPerLabel[label] ?? 0)") }
    }
}
