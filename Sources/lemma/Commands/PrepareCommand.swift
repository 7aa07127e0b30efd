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
        abstract: "Tokenize a labelled corpus into a compact on-disk dataset, or prepare a task's data from its configuration (im2latex).",
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
    @Option(parsing: .unconditional, help: "Keep at most this many examples per class (the first ones).") var maxPerClass: Int?
    @Option(parsing: .unconditional, help: "Keep at most this many tokens per example.") var maxLength: Int?
    @Option(parsing: .unconditional, help: "Least count of a token in a built vocabulary.") var minFrequency = 1
    @Option(parsing: .unconditional, help: "Largest size of a built vocabulary, special tokens included.") var maxVocabulary: Int?

    func validate() throws {
        if (input == nil) == (config == nil) { throw ValidationError("give either --input CORPUS or --config CONFIG") }
        if config == nil, !overrides.isEmpty { throw ValidationError("--set applies to --config") }
        if config != nil {
            // The configuration's keys decide there; a corpus option beside it would be silently ignored.
            let corpusOptions: [(String, Bool)] = [
                ("--tokenizer", tokenizer != "word"), ("--vocab", vocab != nil), ("--lowercase", lowercase),
                ("--text-column", textColumn != "text"), ("--label-column", labelColumn != "label"), ("--label-map", labelMap != nil),
                ("--unknown-labels", unknownLabels != "error"), ("--max-per-class", maxPerClass != nil), ("--max-length", maxLength != nil),
                ("--min-frequency", minFrequency != 1), ("--max-vocabulary", maxVocabulary != nil)]
            if let given = corpusOptions.first(where: \.1) {
                throw ValidationError("\(given.0) applies to --input; with --config the configuration's keys decide (change them with --set)")
            }
        }
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
        // Under mpirun the ranks tokenize interleaved shards of the corpus and rank 0 merges them.
        let world = try MPICommunicator.world()
        guard let world, world.size > 1 else { return try prepare(input!, world: nil) }
        world.timeout = 7 * 86_400  // ranks wait for the slowest shard, however long the corpus
        do {
            try prepare(input!, world: world)
        } catch {
            FileHandle.standardError.write(Data("lemma prepare: \(world.rankDescription): \(error)\n".utf8))
            world.abort(code: 1)
        }
    }

    /// Tokenizes the corpus into `output`. With `world`, rank r tokenizes examples r, r + N, r + 2N, … (every
    /// rank reads the whole corpus, so label maps, per-class limits and unknown-label counts see it all) into
    /// a shard beside the output, and rank 0 interleaves the shards back into one dataset — the same bytes
    /// one process writes. A vocabulary built from the corpus is built by rank 0 and read by the others
    /// (the output's directory must be shared by the ranks, as on one machine or a shared file system).
    func prepare(_ input: String, world: MPICommunicator?) throws {
        let rank = world?.rank ?? 0, ranks = world?.size ?? 1
        let destination = URL(fileURLWithPath: output)
        func sibling(_ suffix: String) -> URL {
            destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).\(suffix)")
        }
        let source = CorpusSource(path: input, textColumn: textColumn, labelColumn: labelColumn)
        let policy = try LabelMap.UnknownLabels(parsing: unknownLabels)
        let map = try labelMap.map { try LabelMap.load($0).with(unknownLabels: policy) }
        let spec = TokenizerSpec(kind: TokenizerSpec.Kind(rawValue: tokenizer)!, vocabulary: vocab.map { URL(fileURLWithPath: $0) },
                                 lowercase: lowercase)
        let needsVocabulary = spec.buildsVocabulary
        let sharedVocabulary = sibling("vocab.txt")
        var made: (any Tokenizer)?
        if needsVocabulary, rank == 0 {
            let progress = Progress("building vocabulary")
            var seen = 0
            let built = try spec.make(corpus: { each in
                var kept = KeptExamples(source, map: map, maxPerClass: maxPerClass)
                try kept.forEach { example in
                    each(example.text)
                    seen += 1
                    progress.update(seen)
                }
            }, minFrequency: minFrequency, maxSize: maxVocabulary)
            progress.finish(seen, detail: "\(built.vocabularySize) tokens")
            if world != nil, let vocabularyTokenizer = built as? any VocabularyTokenizer {
                try vocabularyTokenizer.vocabulary.write(to: sharedVocabulary)
            }
            made = built
        } else if !needsVocabulary {
            made = try spec.make()
        }
        try world?.barrier()
        let tokenizer = try made ?? TokenizerSpec(kind: spec.kind, vocabulary: sharedVocabulary, lowercase: lowercase).make()

        let shard = ranks > 1 ? sibling("shard-\(rank)") : destination
        let writer = try TokenDatasetWriter(destination: shard)
        if let map { writer.declareLabels(map.classes) }
        let progress = Progress(ranks > 1 ? "tokenizing (shard \(rank + 1) of \(ranks))" : "tokenizing", quiet: rank != 0)
        var kept = KeptExamples(source, map: map, maxPerClass: maxPerClass)
        var position = 0
        try kept.forEach { example in
            defer { position += 1 }
            guard position % ranks == rank else { return }
            var ids = tokenizer.encode(example.text)
            if let maxLength, ids.count > maxLength { ids.removeLast(ids.count - maxLength) }
            try writer.append(tokenIDs: ids, label: example.label)
            progress.update(writer.exampleCount)
        }
        progress.finish(writer.exampleCount)
        if rank == 0, let summary = kept.unknownLabelSummary { FileHandle.standardError.write(Data((summary + "\n").utf8)) }
        var summary = spec.summary
        if needsVocabulary { summary = "\(spec.kind.rawValue) vocab=vocab.txt" + (lowercase ? " lowercase" : "") }
        func addVocabulary(_ staging: URL) throws {
            if needsVocabulary, let built = tokenizer as? any VocabularyTokenizer {
                try built.vocabulary.write(to: staging.appendingPathComponent("vocab.txt"))
            }
        }
        guard let world else {
            try addVocabulary(writer.staging)
            return report(try writer.finish(tokenizer: summary, vocabularySize: tokenizer.vocabularySize, source: input))
        }
        try writer.finish(tokenizer: summary, vocabularySize: tokenizer.vocabularySize, source: input)
        try world.barrier()
        if rank == 0 {
            let shards = try (0..<ranks).map { try TokenDataset(url: sibling("shard-\($0)")) }
            let merged = try TokenDatasetWriter(destination: destination)
            if let map { merged.declareLabels(map.classes) }
            let total = shards.reduce(0) { $0 + $1.count }
            for position in 0..<total {
                let part = shards[position % ranks], index = position / ranks
                try merged.append(tokenIDs: Array(part.tokenIDs(index)), label: part.label(index).map { part.info.labels[$0] })
            }
            try addVocabulary(merged.staging)
            let info = try merged.finish(tokenizer: summary, vocabularySize: tokenizer.vocabularySize, source: input)
            for k in 0..<ranks { try? FileManager.default.removeItem(at: sibling("shard-\(k)")) }
            try? FileManager.default.removeItem(at: sharedVocabulary)
            report(info, note: " (\(ranks) shards merged)")
        }
        try world.barrier()
    }

    func report(_ info: TokenDatasetInfo, note: String = "") {
        print("wrote \(output)\(note): \(info.exampleCount) examples, \(info.tokenCount) tokens, \(info.labels.count) labels, vocabulary \(info.vocabularySize)")
        for label in info.labels { print("  \(label): \(info.examplesPerLabel[label] ?? 0)") }
    }
}
