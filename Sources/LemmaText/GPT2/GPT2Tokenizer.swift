import Foundation

/// GPT-2's byte-level BPE tokenizer, giving the same ids as tiktoken's r50k_base on any text.
///
/// Text is split into pieces by `GPT2PreTokenizer`; a piece that is itself a token becomes its id,
/// any other is merged from its bytes (`BytePairVocabulary.merge`). Every byte string can be encoded, so
/// `decode(encode(text))` gives back `text` exactly.
///
/// Token strings (`tokens`, `token(forID:)`, `id(forToken:)`) use GPT-2's printable stand-ins for bytes,
/// as encoder.json does: " hello" is "Ġhello".
public struct GPT2Tokenizer: Tokenizer {
    public static let endOfText = "<|endoftext|>"

    let vocabulary: BytePairVocabulary
    let cache: BytePairCache?

    /// Loads a tiktoken ranks file ("<base64 token> <rank>" per line); `specialTokens` are the tokens
    /// outside the ranks (r50k_base has only <|endoftext|>, id 50256).
    /// - Parameter cachingWords: remember the ids of merged pieces (faster on real text; same ids).
    public init(tiktokenFile url: URL, specialTokens: [String: Int32] = [GPT2Tokenizer.endOfText: 50256],
                cachingWords: Bool = true) throws {
        let file = try TextFile(url)
        let tokens = try TiktokenRanksFile.read(file)
        vocabulary = try BytePairVocabulary(tokens: tokens, specialTokens: specialTokens, file: file)
        cache = cachingWords ? BytePairCache() : nil
    }

    /// Loads OpenAI's original files: encoder.json (token → id, with the special tokens) and vocab.bpe
    /// (the merges in rank order).
    public init(encoderJSON: URL, vocabBPE: URL, cachingWords: Bool = true) throws {
        let encoderFile = try TextFile(encoderJSON)
        let (tokens, special) = try GPT2VocabularyFiles.read(encoder: encoderFile, merges: try TextFile(vocabBPE))
        vocabulary = try BytePairVocabulary(tokens: tokens, specialTokens: special, file: encoderFile)
        cache = cachingWords ? BytePairCache() : nil
    }

    private init(vocabulary: BytePairVocabulary, cachingWords: Bool) {
        self.vocabulary = vocabulary
        cache = cachingWords ? BytePairCache() : nil
    }

    /// GPT-2's vocabulary (r50k_base) as bundled with Lemma; loaded once per process.
    public static func bundled(cachingWords: Bool = true) throws -> GPT2Tokenizer {
        let shared = try bundledVocabulary.get()
        return GPT2Tokenizer(vocabulary: shared, cachingWords: cachingWords)
    }

    private static let bundledVocabulary: Result<BytePairVocabulary, Error> = Result {
        guard let url = Bundle.module.url(forResource: "gpt2", withExtension: "tiktoken", subdirectory: "Resources") else {
            throw TokenizerFileError(path: "Resources/gpt2.tiktoken", line: nil, "is missing from the LemmaText resource bundle")
        }
        return try GPT2Tokenizer(tiktokenFile: url, cachingWords: false).vocabulary
    }

    /// The same vocabulary with the word cache on or off.
    public func cachingWords(_ on: Bool) -> GPT2Tokenizer {
        GPT2Tokenizer(vocabulary: vocabulary, cachingWords: on)
    }

    public var vocabularySize: Int { vocabulary.vocabularySize }

    /// Special token text → id.
    public var specialTokens: [String: Int32] {
        Dictionary(uniqueKeysWithValues: vocabulary.specialTokens.map { (String(decoding: $0.text, as: UTF8.self), $0.id) })
    }

    /// <|endoftext|> is both bos and eos, as GPT-2 uses it; there is no pad or unknown token.
    public var specialTokenIDs: SpecialTokenIDs {
        let endOfText = specialTokens[Self.endOfText]
        return SpecialTokenIDs(bos: endOfText, eos: endOfText)
    }

    /// Ids of `text` with special-token text treated as ordinary text (tiktoken's `encode_ordinary`).
    public func encode(_ text: String) -> [Int32] {
        encode(text, allowedSpecial: [])
    }

    /// Ids of `text`, where the special tokens named in `allowedSpecial` become their ids wherever their
    /// text appears; other special-token text is encoded as ordinary text.
    public func encode(_ text: String, allowedSpecial: Set<String>) -> [Int32] {
        let specials = vocabulary.specialTokens.filter { allowedSpecial.contains(String(decoding: $0.text, as: UTF8.self)) }
        var text = text
        return text.withUTF8 { bytes in
            var output: [Int32] = []
            output.reserveCapacity(bytes.count / 3 + 1)
            if let cache {
                cache.withLockedCache { encode(bytes, specials: specials, cache: $0, into: &output) }
            } else {
                encode(bytes, specials: specials, cache: nil, into: &output)
            }
            return output
        }
    }

    private func encode(_ bytes: UnsafeBufferPointer<UInt8>, specials: [(text: [UInt8], id: Int32)],
                        cache: BytePairCache?, into output: inout [Int32]) {
        var start = 0
        while let (at, special) = SpecialTokenSearch.next(in: bytes, from: start, specials: specials) {
            encodeOrdinary(UnsafeBufferPointer(rebasing: bytes[start..<at]), cache: cache, into: &output)
            output.append(special.id)
            start = at + special.text.count
        }
        encodeOrdinary(UnsafeBufferPointer(rebasing: bytes[start...]), cache: cache, into: &output)
    }

    private func encodeOrdinary(_ bytes: UnsafeBufferPointer<UInt8>, cache: BytePairCache?, into output: inout [Int32]) {
        var pieces = GPT2PreTokenizer(bytes)
        let tokens = vocabulary.tokens
        while let range = pieces.next() {
            let piece = UnsafeBufferPointer(rebasing: bytes[range])
            if let id = tokens.value(for: piece) {
                output.append(id)
            } else if let cache {
                if cache.appendIDs(of: piece, to: &output) { continue }
                let first = output.count
                vocabulary.merge(piece, into: &output)
                cache.insert(piece, ids: output[first...])
            } else {
                vocabulary.merge(piece, into: &output)
            }
        }
    }

    /// The text of `ids`; bytes that do not form valid UTF-8 (a cut-off character at the end of model
    /// output, say) become U+FFFD, as tiktoken's `decode` does.
    public func decode(_ ids: [Int32]) throws -> String {
        String(decoding: try decodeBytes(ids), as: UTF8.self)
    }

    /// The exact bytes of `ids`.
    public func decodeBytes(_ ids: [Int32]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids {
            guard let tokenBytes = vocabulary.bytes(forID: id) else {
                throw TokenizerError.unknownID(id, vocabularySize: vocabularySize)
            }
            bytes.append(contentsOf: tokenBytes)
        }
        return bytes
    }

    /// Token strings of `encode(text)`, in GPT-2's byte stand-ins ("Ġworld").
    public func tokens(_ text: String) -> [String] {
        encode(text).map { token(forID: $0)! }
    }

    public func id(forToken token: String) -> Int32? {
        if let special = specialTokens[token] { return special }
        guard let bytes = ByteLevelAlphabet.bytes(for: token) else { return nil }
        return vocabulary.tokens.value(for: bytes)
    }

    /// The merges in rank order as token strings ("Ġ", "t"), the lines of vocab.bpe / merges.txt.
    public func merges() throws -> [(left: String, right: String)] {
        try vocabulary.mergeList().map { (token(forID: $0.left)!, token(forID: $0.right)!) }
    }

    public func token(forID id: Int32) -> String? {
        if let special = vocabulary.specialTokens.first(where: { $0.id == id }) {
            return String(decoding: special.text, as: UTF8.self)
        }
        return vocabulary.bytes(forID: id).map(ByteLevelAlphabet.string(for:))
    }
}
