import Foundation
import LemmaData
import LemmaTensor
import LemmaText
import LemmaTrain

/// The data of a classification run, prepared once into the run directory (`data/train`, `data/valid`,
/// `data/test`: memory-mapped token datasets) with the tokenizer's vocabulary beside them, so a resumed run,
/// `lemma eval` and `lemma predict` read exactly what training read. Corpora are streamed, never held whole.
public struct ClassificationData {
    public let tokenizer: any Tokenizer
    public let classes: [String]
    public let train: TokenDataset
    public let valid: TokenDataset?
    public let test: TokenDataset?

    /// The part of a run configuration that says where the data is and how to read it.
    public struct Settings {
        public var train: CorpusSource
        public var valid: CorpusSource?
        public var test: CorpusSource?
        public var validFraction: Double
        public var labelMap: LabelMap?
        public var maxPerClass: Int?
        public var tokenizer: TokenizerSpec
        public var maxLength: Int
        public var seed: UInt64

        public init(_ c: RunConfiguration) throws {
            func source(_ key: String) -> CorpusSource? {
                c.string(key).map { CorpusSource(path: $0, textColumn: c.string("data.text_column") ?? "text",
                                                  labelColumn: c.string("data.label_column") ?? "label") }
            }
            guard let train = source("data.train") else { throw ConfigError("'data.train' is required: the training corpus") }
            self.train = train
            valid = source("data.valid")
            test = source("data.test")
            validFraction = c.double("data.valid_fraction") ?? 0.1
            if valid == nil, !(validFraction > 0 && validFraction < 1) {
                throw ConfigError("'data.valid_fraction' must be in (0, 1) when there is no 'data.valid'")
            }
            let policy: LabelMap.UnknownLabels
            do {
                policy = try LabelMap.UnknownLabels(parsing: c.string("data.unknown_labels") ?? "error")
            } catch let error as FileFormatError {
                throw ConfigError("'data.unknown_labels': \(error.message)")
            }
            labelMap = try c.string("data.label_map").map { try LabelMap.load($0).with(unknownLabels: policy) }
            maxPerClass = c.int("data.max_per_class")
            tokenizer = TokenizerSpec(kind: TokenizerSpec.Kind(rawValue: c.string("tokenizer.kind") ?? "word")!,
                                      vocabulary: c.string("tokenizer.vocab").map { URL(fileURLWithPath: $0) },
                                      lowercase: c.bool("tokenizer.lowercase") ?? false)
            if c.string("model.arch") == "transformer", c.string("tokenizer.vocab") == nil {
                // A pretrained encoder brings its own WordPiece vocabulary.
                guard let directory = c.string("model.pretrained_model") else {
                    throw ConfigError("'model.pretrained_model' is required for model.arch transformer: a Hugging Face BERT directory")
                }
                let json = URL(fileURLWithPath: directory).appendingPathComponent("tokenizer.json")
                let vocabulary = FileManager.default.fileExists(atPath: json.path) ? json
                    : URL(fileURLWithPath: directory).appendingPathComponent("vocab.txt")
                tokenizer = TokenizerSpec(kind: .wordpiece, vocabulary: vocabulary, lowercase: c.bool("tokenizer.lowercase") ?? true)
            }
            maxLength = c.int("tokenizer.max_length") ?? 128
            guard maxLength > 0 else { throw ConfigError("'tokenizer.max_length' must be > 0") }
            seed = UInt64(truncatingIfNeeded: c.int("train.seed") ?? 42)
        }
    }

    static let vocabularyFile = "vocab.txt"

    /// Streams the corpora into `directory` (the run's `data/`). Without `valid`, a stratified
    /// `validFraction` of the training examples is held out, decided before the vocabulary is built so that
    /// held-out text never shapes it. `log` receives one line per stage.
    public static func prepare(_ settings: Settings, into directory: URL, log: (String) -> Void = { _ in }) throws -> ClassificationData {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let map = settings.labelMap
        // Pass 1: labels, for the split and the class list.
        var labels: [String] = []
        if let summary = try forEachKept(settings.train, map, settings.maxPerClass, { _, label in labels.append(label) }) {
            log(summary)
        }
        guard !labels.isEmpty else { throw FileFormatError(settings.train.path, "no labelled examples") }
        let classes = map?.classes.filter(Set(labels).contains) ?? Array(Set(labels)).sorted()
        let heldOut: [Bool]
        if settings.valid == nil {
            let split = StratifiedSplit(train: 1 - settings.validFraction, valid: settings.validFraction, test: 0, seed: settings.seed)
            heldOut = split.assign(labels: labels).map { $0 == .valid }
        } else {
            heldOut = Array(repeating: false, count: labels.count)
        }
        log("\(settings.train.path): \(labels.count) examples in \(classes.count) classes"
            + (settings.valid == nil ? ", \(heldOut.filter { $0 }.count) held out for validation" : ""))
        // Evaluation on nothing has no loss to report or to choose the best checkpoint by: say so before training.
        if settings.valid == nil, !heldOut.contains(true) {
            throw ConfigError("no examples were held out for validation from \(settings.train.path) (\(labels.count) examples); raise 'data.valid_fraction' or give 'data.valid'")
        }
        if heldOut.allSatisfy({ $0 }) {
            throw ConfigError("every example of \(settings.train.path) was held out for validation (\(labels.count) examples); lower 'data.valid_fraction' or give 'data.valid'")
        }

        // Pass 2: the vocabulary, from the training split only.
        let needsVocabulary = settings.tokenizer.buildsVocabulary
        let tokenizer: any Tokenizer
        if needsVocabulary {
            tokenizer = try settings.tokenizer.make(corpus: { each in
                var position = 0
                try forEachKept(settings.train, map, settings.maxPerClass) { example, _ in
                    if !heldOut[position] { each(example.text) }
                    position += 1
                }
            })
            if let built = tokenizer as? any VocabularyTokenizer {
                try built.vocabulary.write(to: directory.appendingPathComponent(vocabularyFile))
            }
            log("vocabulary: \(tokenizer.vocabularySize) tokens from the training split")
        } else {
            tokenizer = try settings.tokenizer.make()
        }

        // Pass 3: token ids.
        let summary = needsVocabulary ? "\(settings.tokenizer.kind.rawValue) vocab=\(vocabularyFile)" : settings.tokenizer.summary
        func encode(_ text: String) -> [Int32] {
            tokenizer.encode(text, maxLength: settings.maxLength, padToMaxLength: false).ids
        }
        let trainWriter = try TokenDatasetWriter(destination: directory.appendingPathComponent("train"))
        trainWriter.declareLabels(classes)
        let validWriter = settings.valid == nil ? try TokenDatasetWriter(destination: directory.appendingPathComponent("valid")) : nil
        validWriter?.declareLabels(classes)
        var position = 0
        try forEachKept(settings.train, map, settings.maxPerClass) { example, label in
            try (heldOut[position] ? validWriter! : trainWriter).append(tokenIDs: encode(example.text), label: label)
            position += 1
        }
        let size = tokenizer.vocabularySize
        _ = try trainWriter.finish(tokenizer: summary, vocabularySize: size, source: settings.train.path)
        _ = try validWriter?.finish(tokenizer: summary, vocabularySize: size, source: settings.train.path + " (held out)")
        for (name, source) in [("valid", settings.valid), ("test", settings.test)] {
            guard let source else { continue }
            let writer = try TokenDatasetWriter(destination: directory.appendingPathComponent(name))
            writer.declareLabels(classes)
            try forEachKept(source, map, nil) { example, label in
                guard classes.contains(label) else {
                    throw FileFormatError(example.source.path, "\(example.source.place): label '\(label)' never occurs in the training data")
                }
                try writer.append(tokenIDs: encode(example.text), label: label)
            }
            let info = try writer.finish(tokenizer: summary, vocabularySize: size, source: source.path)
            log("\(source.path): \(info.exampleCount) examples")
        }
        return try open(directory, settings: settings)
    }

    /// Opens data prepared by `prepare` (for a resumed run, eval or predict).
    public static func open(_ directory: URL, settings: Settings) throws -> ClassificationData {
        let tokenizer = try settings.tokenizer.reading(builtVocabulary: directory.appendingPathComponent(vocabularyFile)).make()
        let train = try TokenDataset(url: directory.appendingPathComponent("train"))
        func optional(_ name: String) throws -> TokenDataset? {
            let url = directory.appendingPathComponent(name)
            return FileManager.default.fileExists(atPath: url.path) ? try TokenDataset(url: url) : nil
        }
        return ClassificationData(tokenizer: tokenizer, classes: train.info.labels, train: train,
                                  valid: try optional("valid"), test: try optional("test"))
    }

    /// Every example that survives the label map and the per-class limit, with its final label (every
    /// example a classifier trains on needs one). Returns the log line about labels the map lacks, if any.
    @discardableResult
    static func forEachKept(_ source: CorpusSource, _ map: LabelMap?, _ maxPerClass: Int?,
                            _ body: (Example, String) throws -> Void) throws -> String? {
        var kept = KeptExamples(source, map: map, maxPerClass: maxPerClass)
        try kept.forEach { example in
            guard let label = example.label else {
                throw FileFormatError(example.source.path, "\(example.source.place): example has no label")
            }
            try body(example, label)
        }
        return kept.unknownLabelSummary
    }

    /// Token ids of `texts`, cut to the run's length, collated for a classifier.
    public func batch(_ texts: [String], maxLength: Int, collator: Collator) -> Batch {
        collator.collate(texts.map { tokenizer.encode($0, maxLength: maxLength, padToMaxLength: false).ids })
    }
}
