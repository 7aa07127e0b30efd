import Foundation

/// Vocabulary files: one token per line, optionally followed by whitespace and a count (GloVe's
/// vocab.txt, "the 1061396"); the line order gives the ids.
///
/// A token cannot hold whitespace in this format, yet character vocabularies have " " and "\n": Lemma
/// writes each whitespace character of a token as `\u{HEX}` (and a literal `\u{` as `\u{5C}u{`), and
/// reading turns every `\u{HEX}` back into its character.
extension Vocabulary {
    /// Reads a vocabulary file. `specialTokens` missing from the file are put first, in the given order,
    /// before the file's tokens; those the file has keep their place. Throws `TokenizerFileError` for a
    /// duplicate token, an empty line, a bad count or invalid UTF-8, naming the file and line.
    public init(contentsOf url: URL, specialTokens: [String] = Vocabulary.defaultSpecialTokens) throws {
        let file = try TextFile(url)
        var tokens: [String] = []
        var counts: [Int] = []
        var lineOf = ByteStringTable(minimumCapacity: 1024)
        try file.forEachLine { number, line in
            let fields = line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
            guard !fields.isEmpty else { throw file.error(line: number, "expected a token, found an empty line") }
            guard fields.count <= 2 else {
                throw file.error(line: number, "expected '<token>' or '<token> <count>', found \(fields.count) fields")
            }
            let token = Self.unescape(try file.string(fields[0], number: number))
            var count = 0
            if fields.count == 2 {
                guard let value = Int(String(decoding: fields[1], as: UTF8.self)), value >= 0 else {
                    throw file.error(line: number, "expected a count (a non-negative integer) after \"\(token)\", found '\(String(decoding: fields[1].prefix(40), as: UTF8.self))'")
                }
                count = value
            }
            if let earlier = lineOf.insert(token.utf8, value: Int32(number)) {
                throw file.error(line: number, "duplicate token \"\(token)\" (first on line \(lineOf.values[earlier]))")
            }
            tokens.append(token)
            counts.append(count)
        }
        let missing = specialTokens.filter { lineOf.value(for: $0.utf8) == nil }
        self.init(tokens: missing + tokens, counts: Array(repeating: 0, count: missing.count) + counts)
    }

    /// Writes one token per line, with its count after a space when any count is known (whitespace in a
    /// token escaped as `\u{HEX}`). Throws for an empty token or a file that cannot be written.
    public func write(to url: URL) throws {
        let withCounts = counts.contains { $0 != 0 }
        var text = ""
        for (token, count) in zip(tokens, counts) {
            guard !token.isEmpty else {
                throw TokenizerFileError(path: url.path, line: nil, "cannot write an empty token: vocabulary files have one token per line")
            }
            text += Self.escape(token)
            text += withCounts ? " \(count)\n" : "\n"
        }
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw TokenizerFileError(path: url.path, line: nil, "cannot be written (\(error.localizedDescription))")
        }
    }

    static func escape(_ token: String) -> String {
        let scalars = Array(token.unicodeScalars)
        var output = ""
        for (i, scalar) in scalars.enumerated() {
            let startsEscape = scalar == "\\" && i + 2 < scalars.count && scalars[i + 1] == "u" && scalars[i + 2] == "{"
            if scalar.properties.isWhitespace || startsEscape {
                output += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    static func unescape(_ token: String) -> String {
        guard token.contains("\\u{") else { return token }
        let scalars = Array(token.unicodeScalars)
        var output = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "\\", i + 3 < scalars.count, scalars[i + 1] == "u", scalars[i + 2] == "{",
               let close = scalars[(i + 3)...].prefix(7).firstIndex(of: "}"),
               let value = UInt32(String(String.UnicodeScalarView(scalars[(i + 3)..<close])), radix: 16),
               let scalar = Unicode.Scalar(value) {
                output.append(scalar)
                i = close + 1
            } else {
                output.append(scalars[i])
                i += 1
            }
        }
        return String(output)
    }
}
