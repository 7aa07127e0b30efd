/// Character-level tokenizer over Unicode scalars (what Python's `list(text)` gives), not grapheme
/// clusters: scalars are stable across Unicode versions and match Python pipelines, while clusters would
/// make every accent and emoji combination its own token. Whitespace characters are tokens too, so
/// `decode(encode(text)) == text` when every character is in the vocabulary.
public struct CharacterTokenizer: VocabularyTokenizer {
    public let vocabulary: Vocabulary

    public init(vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
    }

    /// Builds the vocabulary from the characters of `texts` (see `WordTokenizer.init(buildingFrom:)`).
    public init(buildingFrom texts: some Sequence<String>, minFrequency: Int = 1, maxSize: Int? = nil,
                specialTokens: [String] = Vocabulary.defaultSpecialTokens) {
        self.init(vocabulary: .build(from: texts, split: Self.characters, minFrequency: minFrequency,
                                     maxSize: maxSize, specialTokens: specialTokens))
    }

    public func split(_ text: String) -> [String] { Self.characters(text) }

    static func characters(_ text: String) -> [String] {
        text.unicodeScalars.map { String($0) }
    }

    public var decodeSeparator: String { "" }
}
