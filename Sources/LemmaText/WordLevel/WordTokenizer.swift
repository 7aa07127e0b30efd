/// Word-level tokenizer: `WordSplitter` words (lower-cased first if asked), numbered by a `Vocabulary`.
public struct WordTokenizer: VocabularyTokenizer {
    public let vocabulary: Vocabulary
    public let lowercase: Bool

    public init(vocabulary: Vocabulary, lowercase: Bool = false) {
        self.vocabulary = vocabulary
        self.lowercase = lowercase
    }

    /// Builds the vocabulary from `texts`: special tokens first, then words seen at least `minFrequency`
    /// times, most frequent first (ties in code-point order), at most `maxSize` in all.
    public init(buildingFrom texts: some Sequence<String>, lowercase: Bool = false, minFrequency: Int = 1,
                maxSize: Int? = nil, specialTokens: [String] = Vocabulary.defaultSpecialTokens) {
        let splitter = WordTokenizer(vocabulary: Vocabulary(tokens: []), lowercase: lowercase)
        self.init(vocabulary: .build(from: texts, split: splitter.split, minFrequency: minFrequency,
                                     maxSize: maxSize, specialTokens: specialTokens),
                  lowercase: lowercase)
    }

    public func split(_ text: String) -> [String] {
        WordSplitter.split(lowercase ? text.lowercased() : text)
    }

    public var decodeSeparator: String { " " }
}
