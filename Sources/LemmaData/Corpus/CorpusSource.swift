import Foundation
import LemmaTensor

/// A labelled corpus on disk and how to read it, the format chosen by the path: .csv, .tsv, .jsonl, .txt
/// (one example per line), .tar (llamapun: `<label>/<id>.txt` members), or a directory (one file per
/// example, labelled by its sub-directory).
public struct CorpusSource: Sendable, Equatable {
    public var path: String
    /// Column (CSV/TSV) or field (JSONL) holding the text and the label.
    public var textColumn: String
    public var labelColumn: String?

    public init(path: String, textColumn: String = "text", labelColumn: String? = "label") {
        self.path = path
        self.textColumn = textColumn
        self.labelColumn = labelColumn
    }

    /// A fresh reader positioned at the first example.
    public func open() throws -> any ExampleReader {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileFormatError(path, "no such file or directory")
        }
        if isDirectory.boolValue { return try DirectoryExampleReader(directory: path) }
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "csv": return try CSVExampleReader(path: path, textColumn: textColumn, labelColumn: labelColumn)
        case "tsv": return try CSVExampleReader.tsv(path: path, textColumn: textColumn, labelColumn: labelColumn)
        case "jsonl": return try JSONLinesExampleReader(path: path, textField: textColumn, labelField: labelColumn)
        case "txt": return try TextLinesExampleReader(path: path)
        case "tar": return try TarExampleReader(path: path)
        case let other:
            throw FileFormatError(path, "unknown corpus format '.\(other)': expected .csv, .tsv, .jsonl, .txt, .tar or a directory")
        }
    }

    /// Calls `body` with every example, in order.
    public func forEach(_ body: (Example) throws -> Void) throws {
        var reader = try open()
        while let example = try reader.next() { try body(example) }
    }
}
