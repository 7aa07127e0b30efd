/// A tokenizer that splits text into token strings and numbers them with a `Vocabulary`: the word,
/// character and LaTeX tokenizers. Strings not in the vocabulary become `<unk>`.
public protocol VocabularyTokenizer: Tokenizer {
    var vocabulary: Vocabulary { get }
    /// The token strings of `text`, before the vocabulary is consulted.
    func split(_ text: String) -> [String]
    /// What `decode` puts between tokens.
    var decodeSeparator: String { get }
}

extension VocabularyTokenizer {
    public var vocabularySize: Int { vocabulary.count }
    public var specialTokenIDs: SpecialTokenIDs { vocabulary.specialTokenIDs }

    /// Ids of the split tokens; tokens not in the vocabulary get `<unk>`'s id (and are dropped if the
    /// vocabulary has no `<unk>`).
    public func encode(_ text: String) -> [Int32] {
        let unknown = vocabulary.id(Vocabulary.unknown)
        return split(text).compactMap { vocabulary.id($0) ?? unknown }
    }

    /// `encode(text)` between `<bos>` and `<eos>`, for sequence-to-sequence targets; the vocabulary
    /// must have the ones asked for.
    public func encode(_ text: String, addBOS: Bool, addEOS: Bool) -> [Int32] {
        let special = specialTokenIDs
        precondition(!addBOS || special.bos != nil, "encode: the vocabulary has no \(Vocabulary.bos)")
        precondition(!addEOS || special.eos != nil, "encode: the vocabulary has no \(Vocabulary.eos)")
        return (addBOS ? [special.bos!] : []) + encode(text) + (addEOS ? [special.eos!] : [])
    }

    /// Token strings of `encode(text)` (unknown ones as `<unk>`).
    public func tokens(_ text: String) -> [String] {
        encode(text).map { vocabulary.tokens[Int($0)] }
    }

    /// The tokens joined by `decodeSeparator`, leaving out `<pad>`, `<bos>` and `<eos>`.
    public func decode(_ ids: [Int32]) throws -> String {
        let special = specialTokenIDs
        let skipped = Set([special.pad, special.bos, special.eos].compactMap { $0 })
        var parts: [String] = []
        for id in ids {
            guard let token = vocabulary.token(id) else { throw TokenizerError.unknownID(id, vocabularySize: vocabularySize) }
            if !skipped.contains(id) { parts.append(token) }
        }
        return parts.joined(separator: decodeSeparator)
    }

    public func id(forToken token: String) -> Int32? { vocabulary.id(token) }
    public func token(forID id: Int32) -> String? { vocabulary.token(id) }
}

extension Vocabulary {
    /// Counts the tokens `split` makes of `texts` and builds a vocabulary from them (see
    /// `init(counts:minFrequency:maxSize:specialTokens:)`).
    static func build(from texts: some Sequence<String>, split: (String) -> [String], minFrequency: Int,
                      maxSize: Int?, specialTokens: [String]) -> Vocabulary {
        var counter = TokenCounter()
        for text in texts { counter.add(split(text)) }
        return Vocabulary(counts: counter, minFrequency: minFrequency, maxSize: maxSize, specialTokens: specialTokens)
    }
}
