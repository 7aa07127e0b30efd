/// Lemma's word splitter for word-level vocabularies:
/// - a word is a run of letters, marks and digits (general categories L*, M*, N*), so "x2", "naïve"
///   (either normalization form) and "हिन्दी" are one word each; zero-width joiners and non-joiners
///   inside such a run stay in it;
/// - every other visible character (punctuation, symbols, emoji) is a token of its own;
/// - whitespace, control and other format characters only separate.
public enum WordSplitter {
    public static func split(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        let scalars = Array(text.unicodeScalars)
        for (i, scalar) in scalars.enumerated() {
            switch kind(of: scalar) {
            case .word:
                current.append(scalar)
            case .joiner where !current.isEmpty && i + 1 < scalars.count && kind(of: scalars[i + 1]) == .word:
                current.append(scalar)
            case .separator, .joiner:
                flush()
            case .single:
                flush()
                words.append(String(scalar))
            }
        }
        flush()
        return words
    }

    enum Kind { case word, joiner, separator, single }

    private static let asciiKinds: [Kind] = (0..<128).map { value in
        let scalar = Unicode.Scalar(UInt8(value))
        if scalar.properties.isWhitespace { return .separator }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .decimalNumber: return .word
        case .control: return .separator
        default: return .single
        }
    }

    static func kind(of scalar: Unicode.Scalar) -> Kind {
        // ASCII, most of real corpora, from a table: Unicode property lookups cost ~10× more.
        if scalar.value < 128 { return asciiKinds[Int(scalar.value)] }
        if scalar == "\u{200C}" || scalar == "\u{200D}" { return .joiner }
        let properties = scalar.properties
        if properties.isWhitespace { return .separator }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
            return .word
        case .control, .format, .surrogate, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return .separator
        default:
            return .single
        }
    }
}
