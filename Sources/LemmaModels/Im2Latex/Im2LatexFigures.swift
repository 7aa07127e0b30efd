import Foundation
import LemmaData
import LemmaTrain

/// The pictures of an im2latex report, as self-contained SVG: examples (the model's input image with the gold
/// and predicted LaTeX under it) and attention maps (the image once per decoded token, each feature-grid cell
/// shaded by the weight the decoder gave it for that token).
enum Im2LatexFigures {
    static let scale = 2.0

    static func imageElement(_ image: GrayImage, x: Double, y: Double) -> String {
        let data = (try? PNGCodec.encode(image))?.base64EncodedString() ?? ""
        let (w, h) = (Double(image.width) * scale, Double(image.height) * scale)
        return "<image x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\" href=\"data:image/png;base64,\(data)\" "
            + "style=\"image-rendering: pixelated\"/><rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\" fill=\"none\" stroke=\"#ccc\"/>"
    }

    static func document(width: Double, height: Double, _ body: [String]) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" "
            + "height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"monospace\" font-size=\"12\">\n"
            + body.joined(separator: "\n") + "\n</svg>\n"
    }

    /// Examples, one under another: the image, then "gold:" and "predicted:" lines and a note.
    static func examples(_ rows: [(image: GrayImage, gold: String, predicted: String, note: String)]) -> String {
        var body: [String] = []
        var y = 8.0, width = 400.0
        for row in rows {
            body.append(imageElement(row.image, x: 8, y: y))
            y += Double(row.image.height) * scale + 16
            width = max(width, Double(row.image.width) * scale + 16)
            for (label, text, colour) in [("gold", row.gold, "#222"), ("pred", row.predicted, "#b00"), ("", row.note, "#666")] where !text.isEmpty {
                let line = label.isEmpty ? text : "\(label): \(text)"
                body.append("<text x=\"8\" y=\"\(y)\" fill=\"\(colour)\">\(xmlEscaped(String(line.prefix(160))))</text>")
                width = max(width, Double(min(line.count, 160)) * 7.3 + 16)
                y += 16
            }
            y += 12
        }
        return document(width: width, height: y, body)
    }

    /// The image once per token (up to 24), the feature grid's cells shaded red by that step's attention.
    static func attention(image: GrayImage, steps: [(token: String, weights: [Float])], gridHeight: Int, gridWidth: Int) -> String {
        var body: [String] = []
        let (w, h) = (Double(image.width) * scale, Double(image.height) * scale)
        let cellW = w / Double(max(gridWidth, 1)), cellH = h / Double(max(gridHeight, 1))
        var y = 8.0
        for step in steps.prefix(24) {
            body.append("<text x=\"8\" y=\"\(y + 12)\">\(xmlEscaped(step.token))</text>")
            y += 18
            body.append(imageElement(image, x: 8, y: y))
            let top = step.weights.max() ?? 1
            for (index, weight) in step.weights.enumerated() where weight > top * 0.05 {
                let (row, column) = (index / gridWidth, index % gridWidth)
                let opacity = String(format: "%.2f", 0.7 * Double(weight / max(top, 1e-12)))
                body.append("<rect x=\(q(8 + Double(column) * cellW)) y=\(q(y + Double(row) * cellH)) width=\(q(cellW)) "
                            + "height=\(q(cellH)) fill=\"#e00\" fill-opacity=\"\(opacity)\"/>")
            }
            y += h + 8
        }
        return document(width: w + 16, height: y, body)
    }

    private static func q(_ value: Double) -> String { "\"\(String(format: "%.1f", value))\"" }
}
