/// sacrebleu's default BLEU tokenization, "13a" (mteval-v13a's, used by WMT), so that `CorpusBLEU` over its
/// tokens equals `sacrebleu.corpus_bleu` on detokenized text. Rules, in order, on Unicode scalars as
/// Python's `re` sees them:
///  1. drop `<skipped>`, join `-\n` line breaks, newlines become spaces; if there is an `&`, unescape
///     `&quot;` `&amp;` `&lt;` `&gt;`;
///  2. put spaces around each of `{|}~ [\]^_` and the backquote, space `!"#$%&`, `()*+`, `:;<=>?@` and `/`;
///  3. split a period or comma from a preceding non-digit, then from a following non-digit;
///  4. split a dash from a preceding digit;
///  5. split on whitespace.
/// Tokens are returned as UTF-8 bytes, compared byte for byte as Python compares strings (Swift's `String`
/// equality would merge canonically equivalent spellings that sacrebleu keeps apart).
public enum Tokenizer13a {
    public static func tokenize(_ line: String) -> [[UInt8]] {
        var text = line.replacingOccurrences(of: "<skipped>", with: "").replacingOccurrences(of: "-\n", with: "")
            .replacingOccurrences(of: "\n", with: " ")
        if text.contains("&") {
            for (entity, character) in [("&quot;", "\""), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">")] {
                text = text.replacingOccurrences(of: entity, with: character)
            }
        }
        let space: Unicode.Scalar = " "
        var scalars: [Unicode.Scalar] = [space]
        for scalar in text.unicodeScalars {
            if isSplitSymbol(scalar) { scalars += [space, scalar, space] } else { scalars.append(scalar) }
        }
        scalars.append(space)
        // `([^0-9])([\.,])` → `\1 \2 `, matches taken left to right without overlapping, as re.sub does.
        scalars = substitutePairs(scalars) { !isDigit($0) && isPeriodOrComma($1) } replace: { [$0, space, $1, space] }
        // `([\.,])([^0-9])` → ` \1 \2`.
        scalars = substitutePairs(scalars) { isPeriodOrComma($0) && !isDigit($1) } replace: { [space, $0, space, $1] }
        // `([0-9])(-)` → `\1 \2 `.
        scalars = substitutePairs(scalars) { isDigit($0) && $1 == "-" } replace: { [$0, space, $1, space] }

        var tokens: [[UInt8]] = [], current = String.UnicodeScalarView()
        for scalar in scalars {
            if isPythonWhitespace(scalar) {
                if !current.isEmpty { tokens.append(Array(String(current).utf8)) }
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { tokens.append(Array(String(current).utf8)) }
        return tokens
    }

    /// The character class `[\{-\~\[-\` -\&\(-\+\:-\@\/]`.
    static func isSplitSymbol(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x7B...0x7E, 0x5B...0x60, 0x20...0x26, 0x28...0x2B, 0x3A...0x40, 0x2F: true
        default: false
        }
    }

    static func isDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 0x30 && s.value <= 0x39 }
    static func isPeriodOrComma(_ s: Unicode.Scalar) -> Bool { s == "." || s == "," }

    /// What Python's `str.split()` splits on.
    static func isPythonWhitespace(_ s: Unicode.Scalar) -> Bool {
        (0x1C...0x1F).contains(s.value) || s.properties.isWhitespace
    }

    /// A two-scalar regular-expression substitution scanned left to right: where `matches(a, b)`, the pair is
    /// replaced and scanning resumes after it.
    static func substitutePairs(_ input: [Unicode.Scalar], matches: (Unicode.Scalar, Unicode.Scalar) -> Bool,
                                replace: (Unicode.Scalar, Unicode.Scalar) -> [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(input.count + input.count / 4)
        var i = 0
        while i < input.count {
            if i + 1 < input.count, matches(input[i], input[i + 1]) {
                output += replace(input[i], input[i + 1])
                i += 2
            } else {
                output.append(input[i])
                i += 1
            }
        }
        return output
    }
}

extension CorpusBLEU {
    /// Adds a detokenized hypothesis and its references, tokenized as sacrebleu's default (13a) does.
    public mutating func add(hypothesisText: String, referenceTexts: [String]) {
        add(hypothesis: Tokenizer13a.tokenize(hypothesisText), references: referenceTexts.map(Tokenizer13a.tokenize))
    }
}
