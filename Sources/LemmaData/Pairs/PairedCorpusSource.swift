import LemmaTensor

/// One source text and its target (seed 002's `annotated_text` → `orig_text`), and where it came from.
public struct TextPair: Hashable, Sendable {
    public var source: String
    public var target: String
    public var location: ExampleLocation

    public init(source: String, target: String, location: ExampleLocation) {
        self.source = source
        self.target = target
        self.location = location
    }
}

/// Where a paired corpus is: a CSV/TSV/JSONL file with a source and a target column (`data.source_column`,
/// `data.target_column`), or two parallel text files, line i of one translating line i of the other.
/// Pairs are streamed; a missing column, an empty side or files of different lengths are errors naming the
/// file and line.
public struct PairedCorpusSource: Sendable, Equatable {
    public enum Layout: Sendable, Equatable {
        case table(path: String, sourceColumn: String, targetColumn: String)
        case parallel(sourcePath: String, targetPath: String)
    }

    public var layout: Layout

    public init(_ layout: Layout) { self.layout = layout }

    /// The file (or files) the pairs come from, for messages and dataset metadata.
    public var origin: String {
        switch layout {
        case let .table(path, _, _): path
        case let .parallel(sourcePath, targetPath): "\(sourcePath) + \(targetPath)"
        }
    }

    public func forEach(_ body: (TextPair) throws -> Void) throws {
        switch layout {
        case let .table(path, sourceColumn, targetColumn):
            try CorpusSource(path: path, textColumn: sourceColumn, labelColumn: targetColumn).forEach { example in
                try body(try Self.checked(example.text, example.label, example.source,
                                          sourceName: "'\(sourceColumn)'", targetName: "'\(targetColumn)'"))
            }
        case let .parallel(sourcePath, targetPath):
            let sources = try TextLinesExampleReader(path: sourcePath, skipBlankLines: false)
            let targets = try TextLinesExampleReader(path: targetPath, skipBlankLines: false)
            while true {
                switch (try sources.next(), try targets.next()) {
                case (nil, nil):
                    return
                case let (source?, target?):
                    try body(try Self.checked(source.text, target.text, source.source, sourceName: "source side",
                                              targetName: "target side (\(targetPath))"))
                case let (source?, nil):
                    throw FileFormatError(targetPath, "ends before line \(source.source.line ?? 0) of \(sourcePath); parallel files need the same number of lines")
                case let (nil, target?):
                    throw FileFormatError(sourcePath, "ends before line \(target.source.line ?? 0) of \(targetPath); parallel files need the same number of lines")
                }
            }
        }
    }

    private static func checked(_ source: String, _ target: String?, _ location: ExampleLocation,
                                sourceName: String, targetName: String) throws -> TextPair {
        func blank(_ s: String) -> Bool { s.allSatisfy { $0 == " " || $0 == "\t" } }
        guard let target else { throw FileFormatError(location.path, "\(location.place): no \(targetName) value") }
        if blank(source) { throw FileFormatError(location.path, "\(location.place): the \(sourceName) is empty") }
        if blank(target) { throw FileFormatError(location.path, "\(location.place): the \(targetName) is empty") }
        return TextPair(source: source, target: target, location: location)
    }
}
