/// Tokens separated by whitespace, nothing else split: for text that is already tokenized (Metamath's
/// ASCII symbols such as `|->` or `C_`, im2markup's normalized formulas, Moses-tokenized corpora), where the
/// word tokenizer would cut symbols at their punctuation.
public struct WhitespaceTokenizer: VocabularyTokenizer {
    public let vocabulary: Vocabulary
    public let lowercase: Bool

    public init(vocabulary: Vocabulary, lowercase: Bool = false) {
        self.vocabulary = vocabulary
        self.lowercase = lowercase
    }

    public func split(_ text: String) -> [String] {
        (lowercase ? text.lowercased() : text).split(whereSeparator: \.isWhitespace).map(String.init)
    }

    public var decodeSeparator: String { " " }
}
