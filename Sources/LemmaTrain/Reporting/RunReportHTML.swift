import Foundation

extension RunReport {
    /// The report as one self-contained HTML page (also well-formed XML): a little CSS, figures inline as
    /// SVG, tables as `<table>`, every piece of text escaped.
    public func html() -> String {
        var body: [String] = ["<h1>\(xmlEscaped(title))</h1>"]
        for section in sections {
            switch section {
            case .paragraph(let heading, let text):
                body.append(Self.htmlHeading(heading))
                let paragraphs = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
                body += paragraphs.map { "<p>\(xmlEscaped($0).replacingOccurrences(of: "\n", with: "<br/>"))</p>" }
            case .table(let heading, let rows):
                body.append(Self.htmlHeading(heading))
                body.append("<table>")
                body += rows.map { "<tr><th scope=\"row\">\(xmlEscaped($0.key))</th><td>\(xmlEscaped($0.value))</td></tr>" }
                body.append("</table>")
            case .preformatted(let heading, let text):
                body.append(Self.htmlHeading(heading))
                body.append("<pre>\(xmlEscaped(text))</pre>")
            case .figure(let figure):
                body.append("<figure>")
                body.append(Self.inlineSVG(figure.svg))
                body.append("<figcaption>\(xmlEscaped(figure.caption))</figcaption>")
                body.append("</figure>")
            }
        }
        let head = [
            "<!DOCTYPE html>",
            "<html lang=\"en\">",
            "<head>",
            "<meta charset=\"utf-8\"/>",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>",
            "<title>\(xmlEscaped(title))</title>",
            "<style>\(Self.styleSheet)</style>",
            "</head>",
            "<body>",
        ]
        return (head + body.filter { !$0.isEmpty } + ["</body>", "</html>"]).joined(separator: "\n") + "\n"
    }

    private static let styleSheet = """
        body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 960px; \
        margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; } \
        h1 { font-size: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 0.3em; } \
        h2 { font-size: 1.25em; margin-top: 1.6em; } \
        table { border-collapse: collapse; } \
        th, td { border: 1px solid #ddd; padding: 0.3em 0.8em; text-align: left; } \
        th { background: #f6f8fa; font-weight: 600; } \
        pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.9em; } \
        figure { margin: 1.5em 0; } figure svg { max-width: 100%; height: auto; } \
        figcaption { color: #555; font-size: 0.9em; margin-top: 0.3em; }
        """

    private static func htmlHeading(_ text: String) -> String {
        text.isEmpty ? "" : "<h2>\(xmlEscaped(text))</h2>"
    }

    /// The SVG without an XML declaration or doctype, which have no place inside an HTML page.
    private static func inlineSVG(_ svg: String) -> String {
        guard let start = svg.range(of: "<svg") else { return svg.trimmingCharacters(in: .whitespacesAndNewlines) }
        return svg[start.lowerBound...].trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
