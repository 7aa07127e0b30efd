import Foundation

/// A confusion matrix drawn as an SVG heat map: one row per true class, one column per predicted class,
/// the count printed in each cell. Cells are shaded by their share of the row (so small classes are as
/// readable as large ones) or, with `normalizeRows` off, by their share of the largest count.
public struct ConfusionMatrixPlot: Sendable, Equatable {
    public var title: String
    public var classNames: [String]
    /// `counts[true class][predicted class]`.
    public var counts: [[Int]]
    public var normalizeRows: Bool

    public init(classNames: [String], counts: [[Int]], title: String = "Confusion matrix", normalizeRows: Bool = true) {
        precondition(counts.count == classNames.count && counts.allSatisfy { $0.count == classNames.count },
                     "ConfusionMatrixPlot: counts must be \(classNames.count) × \(classNames.count), one row and column per class")
        precondition(counts.allSatisfy { $0.allSatisfy { $0 >= 0 } }, "ConfusionMatrixPlot: negative count")
        self.classNames = classNames
        self.counts = counts
        self.title = title
        self.normalizeRows = normalizeRows
    }

    /// The plot of `matrix`, restricted to `labels` (all classes by default) in their order.
    public init(_ matrix: ConfusionMatrix, labels: [Int]? = nil, title: String = "Confusion matrix", normalizeRows: Bool = true) {
        let labels = labels ?? Array(0..<matrix.classCount)
        self.init(classNames: labels.map { matrix.classNames[$0] }, counts: matrix.rows(labels: labels),
                  title: title, normalizeRows: normalizeRows)
    }

    private static let fontSize = 12.0

    /// The shade of each cell, 0 (white) … 1 (darkest).
    func intensities() -> [[Double]] {
        let largest = counts.flatMap { $0 }.max() ?? 0
        return counts.map { row in
            let total = normalizeRows ? row.reduce(0, +) : largest
            return row.map { total > 0 ? Double($0) / Double(total) : 0 }
        }
    }

    public func svg() -> String {
        let n = classNames.count
        let widestCount = counts.flatMap { $0 }.map { String($0).count }.max() ?? 1
        let cell = max(40, Double(widestCount) * 8 + 14)
        let longestName = classNames.map { estimatedTextWidth($0, fontSize: Self.fontSize) }.max() ?? 0
        // Row names sit left of the matrix, column names below it turned 45°, axis labels outside those.
        let left = 34 + longestName + 8
        let top = title.isEmpty ? 16.0 : 44.0
        let matrixSize = cell * Double(n)
        let columnLabelDepth = longestName * 0.71 + 16
        let width = Int(max(left + matrixSize + 24, estimatedTextWidth(title, fontSize: 15) + 20).rounded(.up))
        let height = Int((top + matrixSize + columnLabelDepth + 36).rounded(.up))

        var svg = SVGDocument(width: width, height: height, fontSize: Self.fontSize)
        if !title.isEmpty {
            svg.text(title, x: Double(width) / 2, y: 26, anchor: "middle", attributes: "class=\"title\" font-size=\"15\"")
        }
        let shares = intensities()
        for row in 0..<n {
            for column in 0..<n {
                let x = left + Double(column) * cell, y = top + Double(row) * cell
                let share = shares[row][column]
                let count = counts[row][column]
                svg.add("<g class=\"cell\" data-true=\"\(row)\" data-predicted=\"\(column)\">")
                svg.add("<title>\(xmlEscaped("true \(classNames[row]), predicted \(classNames[column]): \(count)"))</title>")
                svg.add("<rect x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(cell))\" height=\"\(svgNumber(cell))\" fill=\"\(Self.shade(share))\" stroke=\"#ffffff\"/>")
                svg.text(String(count), x: x + cell / 2, y: y + cell / 2 + 4, anchor: "middle",
                         attributes: "class=\"count\" fill=\"\(share > 0.55 ? "#ffffff" : "#000000")\"")
                svg.add("</g>")
            }
        }
        for (index, name) in classNames.enumerated() {
            svg.text(name, x: left - 8, y: top + (Double(index) + 0.5) * cell + 4, anchor: "end",
                     attributes: "class=\"row-label\"")
            let x = svgNumber(left + (Double(index) + 0.5) * cell), y = svgNumber(top + matrixSize + 12)
            svg.text(name, x: left + (Double(index) + 0.5) * cell, y: top + matrixSize + 12, anchor: "end",
                     attributes: "class=\"column-label\" transform=\"rotate(-45 \(x) \(y))\"")
        }
        let middleY = svgNumber(top + matrixSize / 2)
        svg.text("true", x: 14, y: top + matrixSize / 2, anchor: "middle",
                 attributes: "class=\"axis-label\" transform=\"rotate(-90 14 \(middleY))\"")
        svg.text("predicted", x: left + matrixSize / 2, y: Double(height) - 12, anchor: "middle",
                 attributes: "class=\"axis-label\"")
        return svg.finished()
    }

    /// White to dark blue.
    static func shade(_ share: Double) -> String {
        let t = min(1, max(0, share.isFinite ? share : 0))
        let light = (247.0, 251.0, 255.0), dark = (8.0, 48.0, 107.0)
        let channel = { (a: Double, b: Double) in Int((a + (b - a) * t).rounded()) }
        return String(format: "#%02x%02x%02x", channel(light.0, dark.0), channel(light.1, dark.1), channel(light.2, dark.2))
    }
}
