import Foundation
import LemmaTensor

/// The report of a training or evaluation run: a title and ordered sections, rendered as Markdown (figures
/// linked from `plots/`) or as one self-contained HTML page (figures inline).
public struct RunReport: Sendable, Equatable {
    /// One row of a key/value table.
    public struct Row: Sendable, Equatable {
        public var key: String
        public var value: String

        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    /// An SVG image with its caption; `fileName` names it under `plots/` (".svg" is added when missing).
    public struct Figure: Sendable, Equatable {
        public var svg: String
        public var caption: String
        public var fileName: String

        public init(svg: String, caption: String, fileName: String) {
            precondition(!fileName.isEmpty && !fileName.contains("/") && !fileName.hasPrefix("."),
                         "RunReport.Figure: file name \"\(fileName)\" must be a plain name such as \"loss\"")
            self.svg = svg
            self.caption = caption
            self.fileName = fileName.hasSuffix(".svg") ? fileName : fileName + ".svg"
        }
    }

    public enum Section: Sendable, Equatable {
        case paragraph(heading: String, text: String)
        case table(heading: String, rows: [Row])
        /// Text shown as is in a fixed-width font, e.g. a classification report.
        case preformatted(heading: String, text: String)
        case figure(Figure)
    }

    public var title: String
    public var sections: [Section]

    public init(title: String, sections: [Section] = []) {
        self.title = title
        self.sections = sections
    }

    public mutating func addParagraph(_ heading: String, _ text: String) {
        sections.append(.paragraph(heading: heading, text: text))
    }

    /// A key/value table, rows in the order given: `addTable("Run", ["epochs": "3", "seed": "42"])`.
    public mutating func addTable(_ heading: String, _ rows: KeyValuePairs<String, String>) {
        sections.append(.table(heading: heading, rows: rows.map { Row($0.key, $0.value) }))
    }

    public mutating func addTable(_ heading: String, rows: [Row]) {
        sections.append(.table(heading: heading, rows: rows))
    }

    public mutating func addPreformatted(_ heading: String, _ text: String) {
        sections.append(.preformatted(heading: heading, text: text))
    }

    public mutating func addFigure(svg: String, caption: String, fileName: String) {
        sections.append(.figure(Figure(svg: svg, caption: caption, fileName: fileName)))
    }

    public var figures: [Figure] {
        sections.compactMap { if case .figure(let figure) = $0 { figure } else { nil } }
    }

    /// Writes `report.md`, `report.html` and `plots/<file>.svg` for each figure into `directory` (created if
    /// needed), each file atomically.
    public func write(to directory: URL) throws {
        var seen = Set<String>()
        for figure in figures where !seen.insert(figure.fileName).inserted {
            throw FileFormatError(directory.appendingPathComponent("plots/\(figure.fileName)").path,
                                  "two figures of the report have this file name")
        }
        let plots = directory.appendingPathComponent("plots")
        do {
            try FileManager.default.createDirectory(at: figures.isEmpty ? directory : plots, withIntermediateDirectories: true)
        } catch {
            throw FileFormatError(directory.path, "cannot create the report directory: \(error.localizedDescription)")
        }
        for figure in figures {
            try Self.writeText(figure.svg, to: plots.appendingPathComponent(figure.fileName))
        }
        try Self.writeText(markdown(), to: directory.appendingPathComponent("report.md"))
        try Self.writeText(html(), to: directory.appendingPathComponent("report.html"))
    }

    private static func writeText(_ text: String, to url: URL) throws {
        let bytes = Array(text.utf8)
        try writeAtomically(to: url) { append in try bytes.withUnsafeBytes { try append($0) } }
    }
}
