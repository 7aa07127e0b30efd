extension RunReport {
    /// The report as GitHub-flavoured Markdown. Figures are `![caption](plots/<file>.svg)` links, so the
    /// SVG files must sit in `plots/` beside it (`write(to:)` puts them there). Text is escaped so that class
    /// names or file names with `<`, `|` or `*` in them print as themselves.
    public func markdown() -> String {
        var blocks = ["# " + Self.markdownInline(title)]
        for section in sections {
            switch section {
            case .paragraph(let heading, let text):
                blocks.append(Self.heading(heading) + Self.markdownInline(text, keepLineBreaks: true))
            case .table(let heading, let rows):
                var lines = ["| | |", "|---|---|"]
                lines += rows.map { "| \(Self.markdownCell($0.key)) | \(Self.markdownCell($0.value)) |" }
                blocks.append(Self.heading(heading) + lines.joined(separator: "\n"))
            case .preformatted(let heading, let text):
                // A fence longer than any run of backticks in the text, so the text cannot close it.
                let fence = String(repeating: "`", count: max(3, Self.longestBacktickRun(text) + 1))
                let body = text.hasSuffix("\n") ? text : text + "\n"
                blocks.append(Self.heading(heading) + fence + "\n" + body + fence)
            case .figure(let figure):
                blocks.append("![\(Self.markdownInline(figure.caption))](plots/\(Self.linkPath(figure.fileName)))")
            }
        }
        return blocks.joined(separator: "\n\n") + "\n"
    }

    private static func heading(_ text: String) -> String {
        text.isEmpty ? "" : "## " + markdownInline(text) + "\n\n"
    }

    /// Escapes Markdown punctuation and HTML; line breaks become spaces unless kept (as hard breaks).
    static func markdownInline(_ text: String, keepLineBreaks: Bool = false) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\\", "`", "*", "_", "[", "]", "#", "|", "~":
                escaped += "\\" + String(character)
            case "\n", "\r\n": escaped += keepLineBreaks ? "  \n" : " "
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static func markdownCell(_ text: String) -> String {
        let cell = markdownInline(text)
        return cell.isEmpty ? " " : cell
    }

    /// Percent-encodes what would end or break a Markdown link target.
    private static func linkPath(_ name: String) -> String {
        var path = ""
        for byte in name.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80 && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.~".unicodeScalars.contains(scalar)) {
                path.unicodeScalars.append(scalar)
            } else {
                path += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return path
    }

    private static func longestBacktickRun(_ text: String) -> Int {
        var longest = 0, current = 0
        for character in text {
            current = character == "`" ? current + 1 : 0
            longest = max(longest, current)
        }
        return longest
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
