/// Hugging Face's WordPiece decoder cleanup, applied to each token (with its leading space) in turn.
enum WordPieceCleanup {
    static let replacements: [(String, String)] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
        (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ]

    static func apply(_ token: String) -> String {
        var scalars = Array(token.unicodeScalars)
        for (pattern, replacement) in replacements {
            scalars = replaceAll(scalars, Array(pattern.unicodeScalars), Array(replacement.unicodeScalars))
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// Scalar-exact replacement (String's own search would match canonically equivalent text too).
    private static func replaceAll(_ text: [Unicode.Scalar], _ pattern: [Unicode.Scalar], _ replacement: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.count >= pattern.count else { return text }
        var result: [Unicode.Scalar] = []
        var i = 0
        while i < text.count {
            if i + pattern.count <= text.count && text[i..<i + pattern.count].elementsEqual(pattern) {
                result += replacement
                i += pattern.count
            } else {
                result.append(text[i])
                i += 1
            }
        }
        return result
    }
}
