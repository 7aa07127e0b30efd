import Foundation
import FoundationXML
import LemmaTrain
import Testing

/// ConfusionMatrixPlot's SVG, parsed back: one cell per pair with its count, labels, shading, escaping.
struct ConfusionMatrixPlotTests {
    static func example() -> ConfusionMatrixPlot {
        // Rows are true classes: theorem 8 right 2 wrong; proof 1 right of 4; remark never seen.
        ConfusionMatrixPlot(classNames: ["theorem", "proof", "remark"],
                            counts: [[8, 2, 0], [3, 1, 0], [0, 0, 0]])
    }

    @Test func cellsCountsAndLabels() throws {
        let svg = try ParsedMarkup(Self.example().svg())
        let cells = svg.elements("g", class: "cell")
        #expect(cells.count == 9)
        #expect(svg.elements("text", class: "count").map(\.text) == ["8", "2", "0", "3", "1", "0", "0", "0", "0"])
        #expect(cells.map { "\($0.attribute("data-true")!)\($0.attribute("data-predicted")!)" }
            == ["00", "01", "02", "10", "11", "12", "20", "21", "22"])
        #expect(svg.elements("text", class: "row-label").map(\.text) == ["theorem", "proof", "remark"])
        #expect(svg.elements("text", class: "column-label").map(\.text) == ["theorem", "proof", "remark"])
        #expect(svg.elements("text", class: "axis-label").map(\.text) == ["true", "predicted"])
        #expect(svg.elements("text", class: "title").map(\.text) == ["Confusion matrix"])
        #expect(svg.elements("title", in: cells[1]).first?.text == "true theorem, predicted proof: 2")

        // Cells tile a square grid inside the canvas.
        let rects = cells.compactMap { svg.elements("rect", in: $0).first }
        let xs = Set(rects.compactMap { $0.number("x") }), ys = Set(rects.compactMap { $0.number("y") })
        #expect(xs.count == 3 && ys.count == 3)
        let width = try #require(svg.root.number("width")), height = try #require(svg.root.number("height"))
        for rect in rects {
            #expect(rect.number("x")! + rect.number("width")! <= width)
            #expect(rect.number("y")! + rect.number("height")! <= height)
        }
    }

    @Test func rowNormalizedShading() throws {
        let plot = Self.example()
        let svg = try ParsedMarkup(plot.svg())
        let fills = svg.elements("g", class: "cell").map { svg.elements("rect", in: $0).first!.attribute("fill")! }
        // theorem row: 0.8 and 0.2; proof row: 0.75 and 0.25, so the proof→theorem cell is nearly as dark as
        // theorem→theorem though its count is much smaller. Empty rows stay white.
        #expect(fills[0] == ConfusionMatrixPlot.shadeForTesting(0.8))
        #expect(fills[3] == ConfusionMatrixPlot.shadeForTesting(0.75))
        #expect(fills[6] == "#f7fbff" && fills[8] == "#f7fbff")
        #expect(ConfusionMatrixPlot.shadeForTesting(1) == "#08306b")
        // Halfway between #f7fbff and #08306b, channel by channel (127.5, 149.5, 181 rounded).
        #expect(ConfusionMatrixPlot.shadeForTesting(0.5) == "#8096b5")

        var byCount = plot
        byCount.normalizeRows = false
        let countFills = try ParsedMarkup(byCount.svg()).elements("rect").filter { $0.attribute("class") == nil }
            .map { $0.attribute("fill")! }
        #expect(countFills[0] == "#08306b")  // 8 is the largest count
        #expect(countFills[3] == ConfusionMatrixPlot.shadeForTesting(3.0 / 8))
        // Dark cells get white numbers.
        let counts = svg.elements("text", class: "count")
        #expect(counts[0].attribute("fill") == "#ffffff" && counts[1].attribute("fill") == "#000000")
    }

    @Test func buildsFromAConfusionMatrix() throws {
        var matrix = ConfusionMatrix(classNames: ["a", "b", "c"])
        matrix.add(predictions: [0, 1, 1, 2, 0], targets: [0, 1, 0, 2, 2])
        let plot = ConfusionMatrixPlot(matrix, labels: [2, 0])
        #expect(plot.classNames == ["c", "a"])
        #expect(plot.counts == [[1, 1], [0, 1]])
        #expect(try ParsedMarkup(plot.svg()).elements("g", class: "cell").count == 4)
    }

    @Test func classNamesAreEscaped() throws {
        let plot = ConfusionMatrixPlot(classNames: ["a<b", "\"q\" & r"], counts: [[1, 0], [0, 1]], title: "<t>")
        let text = plot.svg()
        #expect(!text.contains("a<b"))
        let svg = try ParsedMarkup(text)
        #expect(svg.elements("text", class: "row-label").map(\.text) == ["a<b", "\"q\" & r"])
        #expect(svg.elements("text", class: "title").first?.text == "<t>")
    }
}

extension ConfusionMatrixPlot {
    /// The fill of a cell with this share, read from a one-cell plot (the shade function itself is internal).
    static func shadeForTesting(_ share: Double) -> String {
        // A 1 × 2 row split share : (1 − share), row-normalized.
        let scale = 1_000_000
        let hit = Int((share * Double(scale)).rounded())
        let plot = ConfusionMatrixPlot(classNames: ["x", "y"], counts: [[hit, scale - hit], [0, 0]])
        let svg = try! ParsedMarkup(plot.svg())
        return svg.elements("rect").first { $0.attribute("class") == nil }!.attribute("fill")!
    }
}
