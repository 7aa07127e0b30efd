/// Builds a standalone SVG document line by line; every piece of text goes through `text`, which escapes it.
struct SVGDocument {
    private var lines: [String]

    /// A white `width` × `height` canvas in sans-serif `fontSize` pixels.
    init(width: Int, height: Int, fontSize: Double) {
        lines = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"\(svgNumber(fontSize))\">",
            "<rect class=\"background\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>",
        ]
    }

    /// Appends markup built by the caller (which has escaped any text in it).
    mutating func add(_ markup: String) {
        lines.append(markup)
    }

    /// Appends a `<text>` element; `attributes` is raw markup such as `class="title"`.
    mutating func text(_ content: String, x: Double, y: Double, anchor: String, attributes: String = "") {
        let extra = attributes.isEmpty ? "" : " " + attributes
        lines.append("<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" text-anchor=\"\(anchor)\"\(extra)>\(xmlEscaped(content))</text>")
    }

    func finished() -> String {
        (lines + ["</svg>"]).joined(separator: "\n") + "\n"
    }
}
