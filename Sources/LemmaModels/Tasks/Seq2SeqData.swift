import Foundation
import LemmaData
import LemmaTensor
import LemmaText
import LemmaTrain

/// The data of a seq2seq run, prepared once into the run directory: `data/train`, `data/valid`, `data/test`
/// (pair datasets, memory-mapped) and the vocabularies that were built (`source_vocab.txt`,
/// `target_vocab.txt`, or one `vocab.txt` when shared), so a resumed run, `lemma eval` and `lemma predict`
/// read exactly what training read. Corpora are streamed, never held whole.
public struct Seq2SeqData {
    public let sourceTokenizer: any Tokenizer, targetTokenizer: any Tokenizer
    public let train: PairedDataset
    public let valid: PairedDataset?
    public let test: PairedDataset?
    /// The target side's start, end and pad ids (the decoder starts from `bos` and stops at `eos`).
    public let bos: Int32, eos: Int32, pad: Int32
    /// What pads sources: the source tokenizer's pad (its end token when it has none, as GPT-2).
    public let sourcePad: Int32

    /// Special tokens of the vocabularies seq2seq builds: pad first (id 0), then unknown, start and end.
    public static let specialTokens = [Vocabulary.pad, Vocabulary.unknown, Vocabulary.bos, Vocabulary.eos]

    /// The part of a run configuration that says where the pairs are and how to read them.
    public struct Settings {
        public var train: PairedCorpusSource
        public var valid: PairedCorpusSource?
        public var test: PairedCorpusSource?
        public var validFraction: Double
        public var sourceTokenizer: TokenizerSpec, targetTokenizer: TokenizerSpec
        public var sharedVocabulary: Bool
        public var minFrequency: Int
        public var maxVocabulary: Int?
        /// Training and validation pairs with a longer side are left out.
        public var maxLength: Int?
        public var seed: UInt64

        public init(_ c: RunConfiguration) throws {
            func corpus(_ key: String) -> PairedCorpusSource? {
                guard let path = c.string(key) else { return nil }
                if let target = c.string(key + "_target") { return PairedCorpusSource(.parallel(sourcePath: path, targetPath: target)) }
                return PairedCorpusSource(.table(path: path, sourceColumn: c.string("data.source_column") ?? "source",
                                                 targetColumn: c.string("data.target_column") ?? "target"))
            }
            guard let train = corpus("data.train") else { throw ConfigError("'data.train' is required: the training pairs") }
            self.train = train
            valid = corpus("data.valid")
            test = corpus("data.test")
            for side in ["valid", "test"] where c.string("data.\(side)_target") != nil && c.string("data.\(side)") == nil {
                throw ConfigError("'data.\(side)_target' needs 'data.\(side)': the source side of the parallel files")
            }
            validFraction = c.double("data.valid_fraction") ?? 0.1
            if valid == nil, !(validFraction > 0 && validFraction < 1) {
                throw ConfigError("'data.valid_fraction' must be in (0, 1) when there is no 'data.valid'")
            }
            let lowercase = c.bool("tokenizer.lowercase") ?? false
            let sourceKind = TokenizerSpec.Kind(rawValue: c.string("tokenizer.kind") ?? "word")!
            let targetKind = c.string("tokenizer.target_kind").flatMap(TokenizerSpec.Kind.init) ?? sourceKind
            sourceTokenizer = TokenizerSpec(kind: sourceKind, vocabulary: c.string("tokenizer.vocab").map { URL(fileURLWithPath: $0) },
                                            lowercase: lowercase)
            targetTokenizer = TokenizerSpec(kind: targetKind,
                                            vocabulary: c.string("tokenizer.target_vocab").map { URL(fileURLWithPath: $0) },
                                            lowercase: lowercase)
            sharedVocabulary = c.bool("tokenizer.shared_vocab") ?? false
            if sharedVocabulary, sourceKind != targetKind {
                throw ConfigError("'tokenizer.shared_vocab' needs the same tokenizer on both sides (\(sourceKind.rawValue) ≠ \(targetKind.rawValue))")
            }
            minFrequency = c.int("tokenizer.min_frequency") ?? 1
            guard minFrequency >= 1 else { throw ConfigError("'tokenizer.min_frequency' must be at least 1") }
            maxVocabulary = c.int("tokenizer.max_vocab")
            if let maxVocabulary, maxVocabulary <= Seq2SeqData.specialTokens.count {
                throw ConfigError("'tokenizer.max_vocab' must be more than the \(Seq2SeqData.specialTokens.count) special tokens")
            }
            maxLength = c.int("data.max_length")
            if let maxLength, maxLength < 1 { throw ConfigError("'data.max_length' must be at least 1") }
            seed = UInt64(truncatingIfNeeded: c.int("train.seed") ?? 42)
        }
    }

    static let sharedVocabularyFile = "vocab.txt", sourceVocabularyFile = "source_vocab.txt", targetVocabularyFile = "target_vocab.txt"

    /// Streams the corpora into `directory` (the run's `data/`). Without `valid`, a random `validFraction` of
    /// the training pairs (fixed by the seed) is held out before any vocabulary is built, so held-out text never
    /// shapes it. `log` receives one line per stage.
    public static func prepare(_ settings: Settings, into directory: URL, log: (String) -> Void = { _ in }) throws -> Seq2SeqData {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Pass 1: how many pairs, for the split (this also checks every line before anything is built).
        var total = 0
        try settings.train.forEach { _ in total += 1 }
        guard total > 0 else { throw FileFormatError(settings.train.origin, "no pairs") }
        var heldOut = [Bool](repeating: false, count: total)
        if settings.valid == nil {
            let count = max(1, Int((Double(total) * settings.validFraction).rounded()))
            for index in Array(0..<total).shuffled(seed: settings.seed).prefix(count) { heldOut[index] = true }
        }

        // Pass 2: the vocabularies that must be built, from the training split only.
        func texts(_ side: KeyPath<TextPair, String>) -> (_ each: (String) -> Void) throws -> Void {
            { each in
                var position = 0
                try settings.train.forEach { pair in
                    if !heldOut[position] { each(pair[keyPath: side]) }
                    position += 1
                }
            }
        }
        func make(_ spec: TokenizerSpec, _ corpus: @escaping (_ each: (String) -> Void) throws -> Void, file: String) throws -> any Tokenizer {
            let tokenizer = try spec.make(corpus: corpus, minFrequency: settings.minFrequency, maxSize: settings.maxVocabulary,
                                          specialTokens: specialTokens)
            if spec.vocabulary == nil, let built = tokenizer as? any VocabularyTokenizer {
                try built.vocabulary.write(to: directory.appendingPathComponent(file))
                log("\(file): \(tokenizer.vocabularySize) tokens from the training split")
            }
            return tokenizer
        }
        let sourceTokenizer: any Tokenizer, targetTokenizer: any Tokenizer
        if settings.sharedVocabulary {
            let both = texts(\.source), targets = texts(\.target)
            sourceTokenizer = try make(settings.sourceTokenizer, { each in try both(each); try targets(each) }, file: sharedVocabularyFile)
            targetTokenizer = decoderSide(sourceTokenizer)
        } else {
            sourceTokenizer = try make(settings.sourceTokenizer, texts(\.source), file: sourceVocabularyFile)
            targetTokenizer = decoderSide(try make(settings.targetTokenizer, texts(\.target), file: targetVocabularyFile))
        }

        // Pass 3: token ids.
        func write(_ corpus: PairedCorpusSource, _ name: String, filter: Bool, select: ((Int) -> Bool)? = nil) throws {
            let summary = try PairedDataset.prepare(corpus, sourceTokenizer: sourceTokenizer, targetTokenizer: targetTokenizer,
                                                    maxLength: filter ? settings.maxLength : nil, select: select,
                                                    into: directory.appendingPathComponent(name),
                                                    describe: (settings.sourceTokenizer.kind.rawValue, settings.targetTokenizer.kind.rawValue))
            let dropped = summary.tooLong > 0 ? ", \(summary.tooLong) left out (a side over \(settings.maxLength!) tokens)" : ""
            log("\(name): \(summary.pairs) pairs from \(corpus.origin)\(dropped)")
            if summary.pairs == 0 { throw FileFormatError(corpus.origin, "no pairs left for \(name) after the length filter") }
        }
        try write(settings.train, "train", filter: true, select: { !heldOut[$0] })
        if let valid = settings.valid {
            try write(valid, "valid", filter: true)
        } else {
            try write(settings.train, "valid", filter: true, select: { heldOut[$0] })
        }
        if let test = settings.test { try write(test, "test", filter: false) }
        return try open(directory, settings: settings)
    }

    /// The tokenizer as the decoder's side uses it: a WordPiece vocabulary's [CLS] and [SEP] become the start
    /// and end tokens, and targets are stored without them (the decoder adds its own).
    static func decoderSide(_ tokenizer: any Tokenizer) -> any Tokenizer {
        (tokenizer as? WordPieceTokenizer).map(WordPieceTargetTokenizer.init) ?? tokenizer
    }

    /// Opens data prepared by `prepare` (for a resumed run, eval or predict).
    public static func open(_ directory: URL, settings: Settings) throws -> Seq2SeqData {
        func tokenizer(_ spec: TokenizerSpec, _ file: String) throws -> any Tokenizer {
            try spec.reading(builtVocabulary: directory.appendingPathComponent(file)).make(specialTokens: specialTokens)
        }
        let source: any Tokenizer, target: any Tokenizer
        if settings.sharedVocabulary {
            source = try tokenizer(settings.sourceTokenizer, sharedVocabularyFile)
            target = decoderSide(source)
        } else {
            source = try tokenizer(settings.sourceTokenizer, sourceVocabularyFile)
            target = decoderSide(try tokenizer(settings.targetTokenizer, targetVocabularyFile))
        }
        let special = target.specialTokenIDs
        guard let bos = special.bos, let eos = special.eos, let pad = special.pad ?? special.eos else {
            throw ConfigError("the target tokenizer (\(settings.targetTokenizer.summary)) has no start and end tokens")
        }
        func optional(_ name: String) throws -> PairedDataset? {
            let url = directory.appendingPathComponent(name)
            return FileManager.default.fileExists(atPath: url.path) ? try PairedDataset(url: url) : nil
        }
        let sourceSpecial = source.specialTokenIDs
        return Seq2SeqData(sourceTokenizer: source, targetTokenizer: target,
                           train: try PairedDataset(url: directory.appendingPathComponent("train")),
                           valid: try optional("valid"), test: try optional("test"), bos: bos, eos: eos, pad: pad,
                           sourcePad: sourceSpecial.pad ?? sourceSpecial.eos ?? 0)
    }
}
