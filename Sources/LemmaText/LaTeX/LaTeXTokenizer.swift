/// Tokenizer for LaTeX formulas, as im2latex models read them.
///
/// `.latex` splitting (the default) reads raw LaTeX: `\name` (ASCII letters) is one token, `\` with one
/// other character (`\{`, `\,`, `\\`) is one token, and every other character (braces, `^`, `_`, `&`,
/// letters, digits) is a token of its own; whitespace separates and is not a token (so a control space
/// `\ ` becomes the token `\`). im2latex's normalized formulas (*.formulas.norm.lst) already have spaces
/// between tokens, and `.latex` gives the same tokens on them except for their compound tokens
/// (`\left(`, `\begin{array}`, `\operatorname*`), which it splits. `.whitespace` takes the
/// space-separated tokens as they are, to use im2latex's published vocabularies. `.im2markup` first brings
/// raw LaTeX to that normalized form (`x^2` and `x^{2}` both `x ^ { 2 }`), then takes its tokens.
public struct LaTeXTokenizer: VocabularyTokenizer {
    public enum Splitting: String, Sendable {
        case latex
        case whitespace
        /// `LaTeXNormalizer`'s im2markup form, then its space-separated tokens: raw LaTeX read in the
        /// vocabulary of im2latex-100k's normalized formulas.
        case im2markup
    }

    public let vocabulary: Vocabulary
    public let splitting: Splitting

    public init(vocabulary: Vocabulary, splitting: Splitting = .latex) {
        self.vocabulary = vocabulary
        self.splitting = splitting
    }

    /// Builds the vocabulary from `formulas` (see `WordTokenizer.init(buildingFrom:)`).
    public init(buildingFrom formulas: some Sequence<String>, splitting: Splitting = .latex, minFrequency: Int = 1,
                maxSize: Int? = nil, specialTokens: [String] = Vocabulary.defaultSpecialTokens) {
        let splitter = LaTeXTokenizer(vocabulary: Vocabulary(tokens: []), splitting: splitting)
        self.init(vocabulary: .build(from: formulas, split: splitter.split, minFrequency: minFrequency,
                                     maxSize: maxSize, specialTokens: specialTokens),
                  splitting: splitting)
    }

    public func split(_ text: String) -> [String] {
        switch splitting {
        case .latex: Self.splitLaTeX(text)
        case .whitespace: text.unicodeScalars.split(whereSeparator: { $0.properties.isWhitespace }).map { String($0) }
        case .im2markup: LaTeXNormalizer.normalize(text).split(separator: " ").map(String.init)
        }
    }

    public var decodeSeparator: String { " " }

    static func splitLaTeX(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var tokens: [String] = []
        var i = 0
        func isLetter(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) }
        while i < scalars.count {
            let scalar = scalars[i]
            if scalar.properties.isWhitespace {
                i += 1
            } else if scalar == "\\" && i + 1 < scalars.count && isLetter(scalars[i + 1]) {
                var end = i + 1
                while end < scalars.count && isLetter(scalars[end]) { end += 1 }
                tokens.append(String(String.UnicodeScalarView(scalars[i..<end])))
                i = end
            } else if scalar == "\\" && i + 1 < scalars.count && !scalars[i + 1].properties.isWhitespace {
                tokens.append(String(String.UnicodeScalarView(scalars[i...i + 1])))
                i += 2
            } else {
                tokens.append(String(scalar))
                i += 1
            }
        }
        return tokens
    }
}
