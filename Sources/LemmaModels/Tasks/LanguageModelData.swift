import Foundation
import LemmaData
import LemmaTensor
import LemmaText
import LemmaTrain

/// The data of a language-model run, prepared once into the run directory: `data/train`, `data/valid`,
/// `data/test`, each a `TokenStream` of GPT-2 BPE ids with `<|endoftext|>` after every document (nshepperd's
/// `--combine` semantics). Documents stream through the tokenizer a megabyte at a time, so memory stays flat
/// whatever the corpus size.
public struct LanguageModelData {
    public let tokenizer: GPT2Tokenizer
    public let train: TokenStream
    public let valid: TokenStream?
    public let test: TokenStream?
    public let endOfText: Int32

    /// The part of a run configuration that says where the text is and how to read it.
    public struct Settings {
        public var train: DocumentSource
        public var valid: DocumentSource?
        public var test: DocumentSource?
        /// Documents held out at random when there is no `valid` (the tail of the text when there is one document).
        public var validFraction: Double
        /// `<|endoftext|>` written in the text is the end-of-text token (tiktoken's `allowed_special="all"`).
        public var allowSpecial: Bool
        public var seed: UInt64

        public init(_ c: RunConfiguration) throws {
            let field = c.string("data.text_column") ?? "text"
            guard let train = c.string("data.train") else { throw ConfigError("'data.train' is required: the training text") }
            self.train = DocumentSource(path: train, textField: field)
            valid = c.string("data.valid").map { DocumentSource(path: $0, textField: field) }
            test = c.string("data.test").map { DocumentSource(path: $0, textField: field) }
            validFraction = c.double("data.valid_fraction") ?? 0.05
            if valid == nil, !(validFraction > 0 && validFraction < 1) {
                throw ConfigError("'data.valid_fraction' must be in (0, 1) when there is no 'data.valid'")
            }
            let kind = c.string("tokenizer.kind") ?? "gpt2"
            guard kind == "gpt2" else {
                throw ConfigError("'tokenizer.kind' must be gpt2 for language_model (GPT-2 reads GPT-2 BPE ids), got \(kind)")
            }
            allowSpecial = c.bool("tokenizer.allow_special") ?? true
            seed = UInt64(truncatingIfNeeded: c.int("train.seed") ?? 42)
        }
    }

    /// Tokenizes the corpora into `directory` (train, valid held out from train when not given, test).
    public static func prepare(_ settings: Settings, into directory: URL, log: (String) -> Void) throws -> LanguageModelData {
        let tokenizer = try GPT2Tokenizer.bundled()
        let eot = tokenizer.specialTokens[GPT2Tokenizer.endOfText]!
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let started = Date()
        let trainWriter = try TokenStreamWriter(destination: directory.appendingPathComponent("train"), vocabularySize: tokenizer.vocabularySize)
        if let valid = settings.valid {
            try encode(settings.train, into: trainWriter, tokenizer: tokenizer, allowSpecial: settings.allowSpecial)
            try encode(valid, into: directory.appendingPathComponent("valid"), tokenizer: tokenizer, allowSpecial: settings.allowSpecial)
        } else {
            let validWriter = try TokenStreamWriter(destination: directory.appendingPathComponent("valid"), vocabularySize: tokenizer.vocabularySize)
            try splitEncode(settings, tokenizer: tokenizer, eot: eot, train: trainWriter, valid: validWriter)
            guard validWriter.tokenCount > 0 else {
                throw ConfigError("no text was held out for validation from \(settings.train.path) (\(trainWriter.documentCount) documents); raise 'data.valid_fraction' or give 'data.valid'")
            }
            try validWriter.finish(tokenizer: "gpt2", vocabularySize: tokenizer.vocabularySize, source: settings.train.path + " (held out)")
        }
        guard trainWriter.tokenCount > 1 else { throw ConfigError("\(settings.train.path) holds no text to train on") }
        try trainWriter.finish(tokenizer: "gpt2", vocabularySize: tokenizer.vocabularySize, source: settings.train.path)
        if let test = settings.test {
            try encode(test, into: directory.appendingPathComponent("test"), tokenizer: tokenizer, allowSpecial: settings.allowSpecial)
        }
        let data = try open(directory, tokenizer: tokenizer)
        let seconds = Date().timeIntervalSince(started)
        log("tokenized: train \(data.train.info.documentCount) documents, \(data.train.count) tokens"
            + (data.valid.map { "; valid \($0.info.documentCount) documents, \($0.count) tokens" } ?? "")
            + (data.test.map { "; test \($0.count) tokens" } ?? "")
            + String(format: " (%.1f s)", seconds))
        return data
    }

    /// The prepared streams in `directory`.
    public static func open(_ directory: URL, tokenizer: GPT2Tokenizer? = nil) throws -> LanguageModelData {
        let tokenizer = try tokenizer ?? GPT2Tokenizer.bundled()
        func stream(_ name: String) throws -> TokenStream? {
            let url = directory.appendingPathComponent(name)
            return FileManager.default.fileExists(atPath: url.path) ? try TokenStream(url: url) : nil
        }
        guard let train = try stream("train") else {
            throw ConfigError("\(directory.path) holds no prepared training text (train/); the run's data is missing")
        }
        return LanguageModelData(tokenizer: tokenizer, train: train, valid: try stream("valid"), test: try stream("test"),
                                 endOfText: tokenizer.specialTokens[GPT2Tokenizer.endOfText]!)
    }

    /// Tokenizes `source` into a new stream at `destination`.
    @discardableResult
    public static func encode(_ source: DocumentSource, into destination: URL, tokenizer: GPT2Tokenizer,
                              allowSpecial: Bool) throws -> TokenStream {
        let writer = try TokenStreamWriter(destination: destination, vocabularySize: tokenizer.vocabularySize)
        try encode(source, into: writer, tokenizer: tokenizer, allowSpecial: allowSpecial)
        guard writer.tokenCount > 1 else { throw ConfigError("\(source.path) holds no text") }
        try writer.finish(tokenizer: "gpt2", vocabularySize: tokenizer.vocabularySize, source: source.path)
        return try TokenStream(url: destination)
    }

    /// Every document of `source` into `writer`, each followed by `<|endoftext|>`.
    static func encode(_ source: DocumentSource, into writer: TokenStreamWriter, tokenizer: GPT2Tokenizer, allowSpecial: Bool) throws {
        let allowed: Set<String> = allowSpecial ? [GPT2Tokenizer.endOfText] : []
        let eot = tokenizer.specialTokens[GPT2Tokenizer.endOfText]!
        try source.read { piece in
            switch piece {
            case .text(let text): try writer.append(tokenizer.encode(text, allowedSpecial: allowed))
            case .endOfDocument: try writer.endDocument(separator: eot)
            }
        }
    }

    /// Train and validation from one corpus: each document goes to validation with probability
    /// `validFraction` (seeded); a corpus that is one text file gives its last `validFraction` of bytes instead.
    static func splitEncode(_ settings: Settings, tokenizer: GPT2Tokenizer, eot: Int32,
                            train: TokenStreamWriter, valid: TokenStreamWriter) throws {
        let allowed: Set<String> = settings.allowSpecial ? [GPT2Tokenizer.endOfText] : []
        let files = try settings.train.files()
        if files.count == 1, !files[0].lowercased().hasSuffix(".jsonl") {
            let size = (try? FileManager.default.attributesOfItem(atPath: files[0])[.size] as? Int) ?? 0
            var source = settings.train
            source.pieceBytes = max(256, min(1 << 20, size / 64))
            let validFrom = Int(Double(size) * (1 - settings.validFraction))
            var seen = 0
            try source.read { piece in
                switch piece {
                case .text(let text):
                    let writer = seen >= validFrom ? valid : train
                    seen += text.utf8.count
                    try writer.append(tokenizer.encode(text, allowedSpecial: allowed))
                case .endOfDocument:
                    for writer in [train, valid] where writer.tokenCount > 0 {
                        try writer.endDocument(separator: eot)
                    }
                }
            }
            return
        }
        let generator = RandomGenerator(seed: settings.seed ^ 0x7E57_5A11_D0C5)
        var writer = train
        var starting = true
        try settings.train.read { piece in
            if starting {
                writer = Double(generator.nextFloat()) < settings.validFraction ? valid : train
                starting = false
            }
            switch piece {
            case .text(let text): try writer.append(tokenizer.encode(text, allowedSpecial: allowed))
            case .endOfDocument:
                try writer.endDocument(separator: eot)
                starting = true
            }
        }
    }
}
