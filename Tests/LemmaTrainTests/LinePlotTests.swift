import Foundation
import FoundationXML
import LemmaTrain
import Testing

/// LinePlot's SVG, parsed back as XML: structure, ticks, where points land, escaping, odd data.
struct LinePlotTests {
    struct Rect {
        let x: Double, y: Double, width: Double, height: Double

        func contains(_ point: (Double, Double)) -> Bool {
            point.0 >= x - 1e-9 && point.0 <= x + width + 1e-9 && point.1 >= y - 1e-9 && point.1 <= y + height + 1e-9
        }
    }

    static func plotArea(_ svg: ParsedMarkup) throws -> Rect {
        let rect = try #require(svg.elements("rect", class: "plot-area").first)
        return Rect(x: try #require(rect.number("x")), y: try #require(rect.number("y")),
                    width: try #require(rect.number("width")), height: try #require(rect.number("height")))
    }

    static func points(_ polyline: XMLElement) -> [(Double, Double)] {
        (polyline.attribute("points") ?? "").split(separator: " ").map { pair in
            let xy = pair.split(separator: ",").map { Double($0)! }
            return (xy[0], xy[1])
        }
    }

    static func tickLabels(_ svg: ParsedMarkup, axis: String) -> [String] {
        guard let group = svg.elements("g", class: axis).first else { return [] }
        return svg.elements("text", class: "tick-label", in: group).map(\.text)
    }

    @Test func linearPlotHasSeriesTicksLegendAndPointsInsideTheArea() throws {
        let plot = LinePlot(title: "Loss", xLabel: "step", yLabel: "loss", series: [
            .init(name: "train", x: [0, 1, 2, 3, 4], y: [2.3, 1.9, 1.4, 1.2, 1.1]),
            .init(name: "eval", x: [0, 2, 4], y: [2.2, 1.5, 1.3]),
        ])
        let text = plot.svg(width: 640, height: 400)
        let svg = try ParsedMarkup(text)
        #expect(svg.root.localName == "svg")
        #expect(svg.root.attribute("width") == "640" && svg.root.attribute("viewBox") == "0 0 640 400")
        let lines = svg.elements("polyline")
        #expect(lines.count == 2)
        #expect(lines.map { Self.points($0).count } == [5, 3])
        let area = try Self.plotArea(svg)
        for line in lines { #expect(Self.points(line).allSatisfy(area.contains)) }
        // x ticks every 0.5 from 0 to 4 would be too many; every 1 is the nice choice for 0…4.
        #expect(Self.tickLabels(svg, axis: "x-axis") == ["0", "1", "2", "3", "4"])
        #expect(Self.tickLabels(svg, axis: "y-axis") == ["1.0", "1.2", "1.4", "1.6", "1.8", "2.0", "2.2", "2.4"])
        #expect(svg.elements("text", class: "legend-label").map(\.text) == ["train", "eval"])
        #expect(svg.elements("text", class: "title").map(\.text) == ["Loss"])
        #expect(svg.elements("text", class: "axis-label").map(\.text) == ["step", "loss"])

        // The first train point (x = 0) sits on the left edge; the y ticks span the area exactly.
        let first = Self.points(lines[0])[0]
        #expect(abs(first.0 - area.x) < 0.01)
        // y = 2.3 between the ticks 2.2 and 2.4: three quarters of the way from 1.0 to 2.4 is 1.3/1.4 of the height.
        #expect(abs(first.1 - (area.y + area.height * (1 - 1.3 / 1.4))) < 0.02)
    }

    @Test func logarithmicXAxisForTheLearningRateFinder() throws {
        let lrs = (0..<100).map { 1e-7 * pow(1e8, Double($0) / 100) }
        let losses = lrs.map { 2.3 - log10($0) * 0.01 }
        let plot = LinePlot(title: "LR finder", xLabel: "learning rate", yLabel: "loss",
                            series: [.init(name: "smoothed loss", x: lrs, y: losses)], logarithmicX: true,
                            markers: [.init(x: 3e-4, label: "valley 3e-4"), .init(x: 1e-2, label: "steep")])
        let svg = try ParsedMarkup(plot.svg())
        #expect(Self.tickLabels(svg, axis: "x-axis") == ["1e-7", "1e-6", "1e-5", "1e-4", "0.001", "0.01", "0.1", "1", "10"])
        let area = try Self.plotArea(svg)
        let points = Self.points(try #require(svg.elements("polyline").first))
        #expect(points.count == 100)
        #expect(points.allSatisfy(area.contains))
        // Evenly spaced in log10(lr): equal horizontal steps.
        let steps = zip(points.dropFirst(), points).map { $0.0 - $1.0 }
        #expect(steps.allSatisfy { abs($0 - steps[0]) < 0.02 })
        // 1e-3 is 4/8 of the way from 1e-7 to 10.
        let markers = svg.elements("g", class: "marker")
        #expect(markers.count == 2)
        let valleyLine = try #require(svg.elements("line", in: markers[0]).first)
        let expectedX = area.x + area.width * (log10(3e-4) + 7) / 8
        #expect(abs(try #require(valleyLine.number("x1")) - expectedX) < 0.01)
        #expect(svg.elements("text", class: "marker-label").map(\.text) == ["valley 3e-4", "steep"])
        #expect(svg.elements("g", class: "legend").isEmpty)  // one series: no legend
    }

    @Test func learningRateFinderPlotDropsTheLastFivePointsAndMarksSuggestions() throws {
        var sweep = LearningRateSweep(iterations: 40)
        for step in 0..<40 { sweep.record(loss: 2 - 0.03 * Double(step) + (step > 30 ? 0.2 * Double(step - 30) : 0)) }
        let suggestions = sweep.suggestions([.valley, .minimum])
        #expect(suggestions.count == 2)
        let plot = LinePlot.learningRateFinder(sweep, suggestions: suggestions)
        #expect(plot.logarithmicX)
        #expect(plot.series.map(\.x.count) == [sweep.learningRates.count - 5])
        #expect(plot.markers.map(\.x) == suggestions.map(\.learningRate))
        let svg = try ParsedMarkup(plot.svg())
        #expect(Self.points(try #require(svg.elements("polyline").first)).count == sweep.learningRates.count - 5)
        let labels = svg.elements("text", class: "marker-label").map(\.text)
        #expect(labels.count == 2 && labels[0].hasPrefix("valley ") && labels[1].hasPrefix("minimum "))
    }

    @Test func seriesFromPointsKeepsTheirOrder() {
        let series = LinePlot.Series(name: "p", points: [(x: 1, y: 10), (x: 3, y: 30)])
        #expect(series.x == [1, 3] && series.y == [10, 30])
    }

    @Test func logarithmicYAxisOverANarrowRangeUsesInBetweenTicks() throws {
        let plot = LinePlot(title: "", xLabel: "x", yLabel: "y",
                            series: [.init(name: "s", y: [0.6, 1.0, 3.0, 4.0])], logarithmicY: true)
        let svg = try ParsedMarkup(plot.svg())
        #expect(Self.tickLabels(svg, axis: "y-axis") == ["0.5", "1", "2", "5"])
        #expect(svg.elements("text", class: "title").isEmpty)
    }

    @Test func nonFiniteAndNonPositivePointsAreSkippedAndBreakTheLine() throws {
        let plot = LinePlot(title: "t", xLabel: "x", yLabel: "y", series: [
            .init(name: "gaps", x: [1, 2, 3, 4, 5, 6, 7], y: [1, 2, .nan, 3, 4, .infinity, 5]),
            .init(name: "log-skip", x: [0, 1, 2, 3], y: [1, 1, 1, 1]),
        ], logarithmicX: true)
        let svg = try ParsedMarkup(plot.svg())
        let groups = svg.elements("g", class: "series")
        #expect(groups.map { $0.attribute("data-name") } == ["gaps", "log-skip"])
        // gaps: runs [1, 2], [4, 5], [7] → two lines and a dot. log-skip: x = 0 cannot be drawn on a log axis.
        #expect(svg.elements("polyline", in: groups[0]).map { Self.points($0).count } == [2, 2])
        #expect(svg.elements("circle", in: groups[0]).count == 1)
        #expect(svg.elements("polyline", in: groups[1]).map { Self.points($0).count } == [3])
        let area = try Self.plotArea(svg)
        for line in svg.elements("polyline") { #expect(Self.points(line).allSatisfy(area.contains)) }
        #expect(!plot.svg().contains("nan") && !plot.svg().contains("inf"))
    }

    @Test func emptyPlotStillRenders() throws {
        let plot = LinePlot(title: "nothing yet", xLabel: "x", yLabel: "y", series: [.init(name: "none", x: [], y: [])])
        let svg = try ParsedMarkup(plot.svg())
        #expect(svg.elements("polyline").isEmpty)
        #expect(svg.elements("text", class: "no-data").map(\.text) == ["no data"])
        #expect(Self.tickLabels(svg, axis: "x-axis") == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        // All NaN is the same as empty.
        let allNaN = LinePlot(title: "", xLabel: "", yLabel: "", series: [.init(name: "n", y: [.nan, .nan])])
        #expect(try ParsedMarkup(allNaN.svg()).elements("text", class: "no-data").count == 1)
    }

    @Test func constantSeriesGetsARange() throws {
        let plot = LinePlot(title: "", xLabel: "", yLabel: "", series: [.init(name: "flat", y: [5, 5, 5])])
        let svg = try ParsedMarkup(plot.svg())
        let labels = Self.tickLabels(svg, axis: "y-axis")
        #expect(labels.contains("5.0"))
        #expect(try #require(Double(labels.first!)) < 5 && 5 < (try #require(Double(labels.last!))))
        let area = try Self.plotArea(svg)
        #expect(Self.points(try #require(svg.elements("polyline").first)).allSatisfy(area.contains))
    }

    @Test func largeAndTinyValuesGetScientificLabels() throws {
        let big = LinePlot(title: "", xLabel: "", yLabel: "", series: [.init(name: "b", x: [0, 1], y: [0, 3e7])])
        #expect(Self.tickLabels(try ParsedMarkup(big.svg()), axis: "y-axis").contains("1e7"))
        let tiny = LinePlot(title: "", xLabel: "", yLabel: "", series: [.init(name: "t", x: [0, 1], y: [0, 2e-6])])
        let labels = Self.tickLabels(try ParsedMarkup(tiny.svg()), axis: "y-axis")
        #expect(labels.contains("1e-6") && labels.contains("2e-6"))
    }

    @Test func textIsEscaped() throws {
        let plot = LinePlot(title: "a < b & \"c\"", xLabel: "<x>", yLabel: "y's", series: [
            .init(name: "</g><script>alert(1)</script>", y: [1, 2]),
            .init(name: "second", y: [2, 1]),
        ], markers: [.init(x: 0.5, label: "&amp;")])
        let text = plot.svg()
        #expect(!text.contains("<script>"))
        let svg = try ParsedMarkup(text)
        #expect(svg.elements("text", class: "title").first?.text == "a < b & \"c\"")
        #expect(svg.elements("text", class: "axis-label").map(\.text) == ["<x>", "y's"])
        #expect(svg.elements("text", class: "legend-label").first?.text == "</g><script>alert(1)</script>")
        #expect(svg.elements("text", class: "marker-label").first?.text == "&amp;")
        #expect(svg.elements("g", class: "series").first?.attribute("data-name") == "</g><script>alert(1)</script>")
    }
}
