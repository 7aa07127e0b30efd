import Foundation

/// A line chart rendered as a standalone SVG document: named series of (x, y) points, optional logarithmic
/// axes (the learning-rate finder plots loss against a log-scaled learning rate) and labelled vertical
/// markers (its suggestions). Points that cannot be drawn (NaN, infinite, or ≤ 0 on a log axis) are left out
/// and break the line there.
public struct LinePlot: Sendable, Equatable {
    public struct Series: Sendable, Equatable {
        public var name: String
        public var x: [Double]
        public var y: [Double]

        public init(name: String, x: [Double], y: [Double]) {
            precondition(x.count == y.count, "LinePlot.Series \"\(name)\": \(x.count) x values for \(y.count) y values")
            self.name = name
            self.x = x
            self.y = y
        }

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.init(name: name, x: points.map(\.x), y: points.map(\.y))
        }

        /// A series whose x values are 0, 1, 2, … (e.g. a loss per step).
        public init(name: String, y: [Double]) {
            self.init(name: name, x: y.indices.map(Double.init), y: y)
        }
    }

    /// A dashed vertical line at `x`, labelled at the top of the plot.
    public struct Marker: Sendable, Equatable {
        public var x: Double
        public var label: String

        public init(x: Double, label: String) {
            self.x = x
            self.label = label
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var logarithmicX: Bool
    public var logarithmicY: Bool
    public var markers: [Marker]

    public init(title: String, xLabel: String, yLabel: String, series: [Series] = [],
                logarithmicX: Bool = false, logarithmicY: Bool = false, markers: [Marker] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logarithmicX = logarithmicX
        self.logarithmicY = logarithmicY
        self.markers = markers
    }

    private static let fontSize = 12.0

    public func svg(width: Int = 640, height: Int = 400) -> String {
        let xValues = series.flatMap { s in zip(s.x, s.y).filter { canDraw($0) }.map(\.0) }
            + markers.map(\.x).filter { $0.isFinite && (!logarithmicX || $0 > 0) }
        let yValues = series.flatMap { s in zip(s.x, s.y).filter { canDraw($0) }.map(\.1) }
        let xAxis = PlotAxis(covering: xValues, logarithmic: logarithmicX)
        let yAxis = PlotAxis(covering: yValues, logarithmic: logarithmicY)

        // Layout: title on top, tick labels and axis labels left and below, legend (2+ series) on the right.
        let showLegend = series.count > 1
        let legendWidth = showLegend
            ? 34 + (series.map { estimatedTextWidth($0.name, fontSize: Self.fontSize) }.max() ?? 0) : 0
        let yTickWidth = yAxis.ticks.map { estimatedTextWidth($0.label, fontSize: Self.fontSize) }.max() ?? 0
        let left = 30 + yTickWidth + 10, top = title.isEmpty ? 16.0 : 40.0
        let area = PlotArea(left: left, top: top, right: max(left + 20, Double(width) - 20 - legendWidth),
                            bottom: max(top + 20, Double(height) - 50))
        let toX = { (x: Double) in area.left + xAxis.fraction(x) * area.width }
        let toY = { (y: Double) in area.bottom - yAxis.fraction(y) * area.height }

        var svg = SVGDocument(width: width, height: height, fontSize: Self.fontSize)
        if !title.isEmpty {
            svg.text(title, x: Double(width) / 2, y: 24, anchor: "middle", attributes: "class=\"title\" font-size=\"15\"")
        }
        svg.add("<rect class=\"plot-area\" x=\"\(svgNumber(area.left))\" y=\"\(svgNumber(area.top))\" width=\"\(svgNumber(area.width))\" height=\"\(svgNumber(area.height))\" fill=\"none\" stroke=\"#444\"/>")

        svg.add("<g class=\"x-axis\">")
        for tick in xAxis.ticks {
            let x = svgNumber(toX(tick.value))
            svg.add("<line class=\"grid\" x1=\"\(x)\" y1=\"\(svgNumber(area.top))\" x2=\"\(x)\" y2=\"\(svgNumber(area.bottom))\" stroke=\"#e5e5e5\"/>")
            svg.add("<line class=\"tick\" x1=\"\(x)\" y1=\"\(svgNumber(area.bottom))\" x2=\"\(x)\" y2=\"\(svgNumber(area.bottom + 5))\" stroke=\"#444\"/>")
            svg.text(tick.label, x: toX(tick.value), y: area.bottom + 18, anchor: "middle", attributes: "class=\"tick-label\"")
        }
        svg.text(xLabel, x: area.left + area.width / 2, y: Double(height) - 10, anchor: "middle", attributes: "class=\"axis-label\"")
        svg.add("</g>")

        svg.add("<g class=\"y-axis\">")
        for tick in yAxis.ticks {
            let y = svgNumber(toY(tick.value))
            svg.add("<line class=\"grid\" x1=\"\(svgNumber(area.left))\" y1=\"\(y)\" x2=\"\(svgNumber(area.right))\" y2=\"\(y)\" stroke=\"#e5e5e5\"/>")
            svg.add("<line class=\"tick\" x1=\"\(svgNumber(area.left - 5))\" y1=\"\(y)\" x2=\"\(svgNumber(area.left))\" y2=\"\(y)\" stroke=\"#444\"/>")
            svg.text(tick.label, x: area.left - 8, y: toY(tick.value) + 4, anchor: "end", attributes: "class=\"tick-label\"")
        }
        let yLabelX = svgNumber(16), yLabelY = svgNumber(area.top + area.height / 2)
        svg.text(yLabel, x: 16, y: area.top + area.height / 2, anchor: "middle",
                 attributes: "class=\"axis-label\" transform=\"rotate(-90 \(yLabelX) \(yLabelY))\"")
        svg.add("</g>")

        for (index, line) in series.enumerated() {
            let colour = plotPalette[index % plotPalette.count]
            svg.add("<g class=\"series\" data-name=\"\(xmlEscaped(line.name))\" stroke=\"\(colour)\" fill=\"\(colour)\">")
            for run in drawableRuns(line) {
                let points = run.map { (toX($0.0), toY($0.1)) }
                if points.count == 1 {
                    svg.add("<circle cx=\"\(svgNumber(points[0].0))\" cy=\"\(svgNumber(points[0].1))\" r=\"2.5\" stroke=\"none\"/>")
                } else {
                    let list = points.map { "\(svgNumber($0.0)),\(svgNumber($0.1))" }.joined(separator: " ")
                    svg.add("<polyline points=\"\(list)\" fill=\"none\" stroke-width=\"1.5\" stroke-linejoin=\"round\"/>")
                }
            }
            svg.add("</g>")
        }

        for (index, marker) in markers.enumerated() where marker.x.isFinite && (!logarithmicX || marker.x > 0) {
            let colour = plotPalette[(series.count + index) % plotPalette.count]
            let x = toX(marker.x)
            svg.add("<g class=\"marker\">")
            svg.add("<line x1=\"\(svgNumber(x))\" y1=\"\(svgNumber(area.top))\" x2=\"\(svgNumber(x))\" y2=\"\(svgNumber(area.bottom))\" stroke=\"\(colour)\" stroke-dasharray=\"5 4\"/>")
            // Stagger labels so nearby markers stay readable; flip to the left of lines near the right edge.
            let labelY = area.top + 14 + Double(index % 6) * 14
            let flip = x + 4 + estimatedTextWidth(marker.label, fontSize: Self.fontSize) > area.right
            svg.text(marker.label, x: flip ? x - 4 : x + 4, y: labelY, anchor: flip ? "end" : "start",
                     attributes: "class=\"marker-label\" fill=\"\(colour)\"")
            svg.add("</g>")
        }

        if showLegend {
            svg.add("<g class=\"legend\">")
            for (index, line) in series.enumerated() {
                let colour = plotPalette[index % plotPalette.count]
                let y = area.top + 8 + Double(index) * 18
                svg.add("<line x1=\"\(svgNumber(area.right + 12))\" y1=\"\(svgNumber(y))\" x2=\"\(svgNumber(area.right + 30))\" y2=\"\(svgNumber(y))\" stroke=\"\(colour)\" stroke-width=\"2\"/>")
                svg.text(line.name, x: area.right + 34, y: y + 4, anchor: "start", attributes: "class=\"legend-label\"")
            }
            svg.add("</g>")
        }

        if yValues.isEmpty {
            svg.text("no data", x: area.left + area.width / 2, y: area.top + area.height / 2, anchor: "middle",
                     attributes: "class=\"no-data\" fill=\"#888\"")
        }
        return svg.finished()
    }

    private func canDraw(_ point: (Double, Double)) -> Bool {
        point.0.isFinite && point.1.isFinite && (!logarithmicX || point.0 > 0) && (!logarithmicY || point.1 > 0)
    }

    /// The series' points split at every point that cannot be drawn.
    private func drawableRuns(_ line: Series) -> [[(Double, Double)]] {
        var runs: [[(Double, Double)]] = [[]]
        for point in zip(line.x, line.y) {
            if canDraw(point) {
                runs[runs.count - 1].append(point)
            } else if !runs[runs.count - 1].isEmpty {
                runs.append([])
            }
        }
        return runs.filter { !$0.isEmpty }
    }
}

/// The rectangle the data is drawn in, in SVG pixels (y grows downwards).
struct PlotArea {
    let left: Double
    let top: Double
    let right: Double
    let bottom: Double

    var width: Double { right - left }
    var height: Double { bottom - top }
}
