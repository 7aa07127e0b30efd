import Foundation

/// BERT's WordPiece tokenizer, giving the same ids as Hugging Face's BertTokenizer / tokenizers.
///
/// Special tokens written in the text ("[MASK]", exactly, in capitals) become their ids, as in Hugging
/// Face; the rest is normalized (`BertNormalizer`), split into words, and each word into pieces
/// (`WordPieceVocabulary`). `encode` adds [CLS] … [SEP]; `tokens` does not.
public struct WordPieceTokenizer: Tokenizer {
    let vocabulary: WordPieceVocabulary
    public let normalizer: BertNormalizer
    public let specialTokenIDs: SpecialTokenIDs

    /// Loads a BERT `vocab.txt` (one token per line; the line number, from 0, is the id). It must have
    /// [UNK], [CLS], [SEP] and [PAD]. The defaults are BERT uncased; for a cased model pass
    /// `BertNormalizer(lowercase: false)`.
    public init(vocabFile url: URL, normalizer: BertNormalizer = BertNormalizer(), maxInputCharsPerWord: Int = 100) throws {
        let file = try TextFile(url)
        let strings = try BertVocabFile.read(file)
        let ids = Dictionary(strings.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
        func required(_ token: String) throws -> Int32 {
            guard let id = ids[token] else { throw file.error(line: nil, "has no \(token) token; a BERT vocabulary needs [UNK], [CLS], [SEP] and [PAD]") }
            return id
        }
        let specials = try SpecialTokenIDs(pad: required("[PAD]"), unknown: required("[UNK]"),
                                           cls: required("[CLS]"), sep: required("[SEP]"), mask: ids["[MASK]"])
        let specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].reduce(into: [String: Int32]()) { $0[$1] = ids[$1] }
        self.init(vocabulary: WordPieceVocabulary(strings: strings, unknownID: specials.unknown!, specialTokens: specialTokens,
                                                  maxInputCharsPerWord: maxInputCharsPerWord),
                  normalizer: normalizer, specialTokenIDs: specials)
    }

    /// Loads a Hugging Face `tokenizer.json` with a WordPiece model, BertNormalizer and BertPreTokenizer.
    public init(tokenizerJSON url: URL) throws {
        let loaded = try HuggingFaceTokenizerFile.read(try TextFile(url))
        self.init(vocabulary: loaded.vocabulary, normalizer: loaded.normalizer, specialTokenIDs: loaded.specialTokenIDs)
    }

    init(vocabulary: WordPieceVocabulary, normalizer: BertNormalizer, specialTokenIDs: SpecialTokenIDs) {
        self.vocabulary = vocabulary
        self.normalizer = normalizer
        self.specialTokenIDs = specialTokenIDs
    }

    public var vocabularySize: Int { vocabulary.strings.count }

    /// [CLS] + the pieces of `text` + [SEP].
    public func encode(_ text: String) -> [Int32] {
        encode(text, addSpecialTokens: true)
    }

    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int32] {
        var ids: [Int32] = []
        if addSpecialTokens, let cls = specialTokenIDs.cls { ids.append(cls) }
        appendPieces(of: text, to: &ids)
        if addSpecialTokens, let sep = specialTokenIDs.sep { ids.append(sep) }
        return ids
    }

    /// [CLS] + pieces + [SEP] in at most `maxLength` ids: pieces past `maxLength - 2` are dropped (the
    /// [SEP] stays), as Hugging Face truncates; then [PAD] up to `maxLength` if asked.
    public func encode(_ text: String, maxLength: Int, padToMaxLength: Bool) -> EncodedText {
        precondition(maxLength >= 2, "WordPieceTokenizer.encode: maxLength must leave room for [CLS] and [SEP], got \(maxLength)")
        var pieces: [Int32] = []
        appendPieces(of: text, to: &pieces)
        var ids = [specialTokenIDs.cls!] + pieces.prefix(maxLength - 2)
        ids.append(specialTokenIDs.sep!)
        return EncodedText(ids: ids, padTo: padToMaxLength ? maxLength : ids.count, padID: specialTokenIDs.pad!)
    }

    private func appendPieces(of text: String, to ids: inout [Int32]) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            while let (at, special) = SpecialTokenSearch.next(in: bytes, from: start, specials: vocabulary.specialTokens) {
                appendPieces(ofSegment: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self), to: &ids)
                ids.append(special.id)
                start = at + special.text.count
            }
            appendPieces(ofSegment: String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self), to: &ids)
        }
    }

    private func appendPieces(ofSegment text: String, to ids: inout [Int32]) {
        guard !text.isEmpty else { return }
        for word in BertNormalizer.splitWords(normalizer.normalize(text)) {
            vocabulary.appendPieces(of: word, to: &ids)
        }
    }

    /// The word pieces of `text` ("un", "##believ", "##able"), without [CLS] and [SEP].
    public func tokens(_ text: String) -> [String] {
        encode(text, addSpecialTokens: false).map { vocabulary.strings[Int($0)] }
    }

    /// Text as Hugging Face decodes it: special tokens left out, pieces joined (continuations without
    /// their "##", others after a space), and no space before . ? ! , (its "cleanup").
    public func decode(_ ids: [Int32]) throws -> String {
        let special = Set(vocabulary.specialTokens.map(\.id))
        let prefix = Array(vocabulary.continuationPrefix.unicodeScalars)
        var output = ""
        var first = true
        for id in ids {
            guard let token = token(forID: id) else { throw TokenizerError.unknownID(id, vocabularySize: vocabularySize) }
            if special.contains(id) { continue }
            defer { first = false }
            if first {
                output += WordPieceCleanup.apply(token)
            } else if !prefix.isEmpty && token.unicodeScalars.starts(with: prefix) {
                // Scalars, not String.hasPrefix: "##" before a combining mark is not a Character prefix.
                output += WordPieceCleanup.apply(String(token.unicodeScalars.dropFirst(prefix.count)))
            } else {
                output += WordPieceCleanup.apply(" " + token)
            }
        }
        return output
    }

    public func id(forToken token: String) -> Int32? {
        vocabulary.tokens.value(for: token.utf8)
    }

    public func token(forID id: Int32) -> String? {
        id >= 0 && Int(id) < vocabulary.strings.count ? vocabulary.strings[Int(id)] : nil
    }
}
