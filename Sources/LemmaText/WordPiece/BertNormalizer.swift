import Foundation

/// BERT's text clean-up before word pieces, with the semantics of Hugging Face's `BertNormalizer` and
/// `BertPreTokenizer` (the steps of Python's BertTokenizer too, which differs only in its Unicode tables):
/// 1. clean: drop NUL, U+FFFD and control, format, surrogate and private-use characters (except tab,
///    newline and carriage return); turn every whitespace character into a space;
/// 2. put spaces around CJK ideographs, so each becomes a word;
/// 3. strip accents: decompose (NFD) and drop nonspacing marks (Mn); by default only when lower-casing;
/// 4. lower-case, character by character (full Unicode mappings);
/// 5. split into words at whitespace, and make each punctuation character a word of its own
///    (ASCII 33–47, 58–64, 91–96, 123–126, or general category P*).
///
/// Hugging Face's Rust code takes general categories from Unicode 8.0 tables (`UnicodeEight`) and
/// whitespace and lower-casing from current ones, and so does this; Python's slow BertTokenizer uses
/// Python's tables and can differ on characters newer than Unicode 8.
public struct BertNormalizer: Sendable, Equatable {
    public var cleanText: Bool
    public var handleChineseCharacters: Bool
    public var lowercase: Bool
    /// nil: strip accents exactly when lower-casing (BERT uncased), as Hugging Face does.
    public var stripAccents: Bool?

    public init(cleanText: Bool = true, handleChineseCharacters: Bool = true, lowercase: Bool = true, stripAccents: Bool? = nil) {
        self.cleanText = cleanText
        self.handleChineseCharacters = handleChineseCharacters
        self.lowercase = lowercase
        self.stripAccents = stripAccents
    }

    /// Steps 1–4: the text the word pieces are looked up in.
    public func normalize(_ text: String) -> String {
        var output = String.UnicodeScalarView()
        var isASCII = true
        for scalar in text.unicodeScalars {
            if cleanText {
                if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
                if Self.isWhitespace(scalar) {
                    output.append(" ")
                    continue
                }
            }
            if handleChineseCharacters && Self.isChineseCharacter(scalar) {
                output.append(" ")
                output.append(scalar)
                output.append(" ")
                isASCII = false
                continue
            }
            if !scalar.isASCII { isASCII = false }
            output.append(scalar)
        }
        var normalized = String(output)
        if isASCII {
            return lowercase ? String(decoding: normalized.utf8.map { (0x41...0x5A).contains($0) ? $0 + 32 : $0 }, as: UTF8.self) : normalized
        }
        if stripAccents ?? lowercase {
            var stripped = String.UnicodeScalarView()
            for scalar in Self.decomposed(normalized) where !Self.isNonspacingMark(scalar) {
                stripped.append(scalar)
            }
            normalized = String(stripped)
        }
        if lowercase {
            var lowered = String.UnicodeScalarView()
            for scalar in normalized.unicodeScalars {
                if scalar.isASCII {
                    lowered.append(scalar.properties.isUppercase ? Unicode.Scalar(UInt8(scalar.value) + 32) : scalar)
                } else {
                    lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
            normalized = String(lowered)
        }
        return normalized
    }

    /// Step 5 on normalized text: the words, in order.
    public static func splitWords(_ normalized: String) -> [String] {
        var words: [String] = []
        let scalars = normalized.unicodeScalars
        var wordStart: String.Index?
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            let next = scalars.index(after: index)
            if isWhitespace(scalar) || isPunctuation(scalar) {
                if let start = wordStart { words.append(String(scalars[start..<index])) }
                wordStart = nil
                if !isWhitespace(scalar) { words.append(String(scalars[index..<next])) }
            } else if wordStart == nil {
                wordStart = index
            }
            index = next
        }
        if let start = wordStart { words.append(String(scalars[start...])) }
        return words
    }

    /// NFD as Hugging Face's normalization tables (Unicode 12) do it: characters from Unicode 13 on are
    /// left as they are and, being unknown there, stop canonical reordering; the text between them goes
    /// through Foundation's NFD.
    static func decomposed(_ text: String) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        var segment = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if let age = scalar.properties.age, age.major >= 13 {
                output += String(segment).decomposedStringWithCanonicalMapping.unicodeScalars
                segment = String.UnicodeScalarView()
                output.append(scalar)
            } else {
                segment.append(scalar)
            }
        }
        output += String(segment).decomposedStringWithCanonicalMapping.unicodeScalars
        return output
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace
    }

    /// Control, format, surrogate or private-use (Cc, Cf, Cs, Co), except tab, LF and CR. Unassigned
    /// characters (Cn) are kept, as Hugging Face keeps them.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch UnicodeEight.generalCategory(scalar) {
        case .control?, .format?, .surrogate?, .privateUse?: return true
        default: return false
        }
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        if v < 128 { return false }
        switch UnicodeEight.generalCategory(scalar) {
        case .connectorPunctuation?, .dashPunctuation?, .openPunctuation?, .closePunctuation?,
             .initialPunctuation?, .finalPunctuation?, .otherPunctuation?:
            return true
        default:
            return false
        }
    }

    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        UnicodeEight.generalCategory(scalar) == .nonspacingMark
    }

    /// The CJK Unified Ideographs blocks (and compatibility ideographs) BERT singles out; not Hangul,
    /// Hiragana or Katakana. Hugging Face's Rust code starts the sixth range at U+2B920 where Google's
    /// Python has U+2B820; Lemma follows the Rust code.
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
