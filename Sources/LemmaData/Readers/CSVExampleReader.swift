import LemmaTensor

/// Examples from a CSV or TSV file with a header row: the text and (optionally) the label come from columns
/// chosen by name. Every record must have as many fields as the header; a ragged row, a missing column or
/// invalid UTF-8 is an error naming the file and line. Records may span lines inside quotes.
public final class CSVExampleReader: ExampleReader {
    public let path: String
    /// Column names from the first record.
    public let header: [String]
    private var parser: CSVRecordParser
    private let textIndex: Int
    private let labelIndex: Int?

    /// - Parameters:
    ///   - delimiter: a single ASCII character (`,` for CSV, tab for TSV).
    ///   - quoting: honour RFC 4180 double quotes; off for TSV files that use `"` as a plain character.
    ///   - maxRecordBytes: longest record accepted, so an unclosed quote cannot swallow the file.
    public init(path: String, textColumn: String, labelColumn: String? = nil, delimiter: Character = ",",
                quoting: Bool = true, maxRecordBytes: Int = 64 << 20) throws {
        guard let ascii = delimiter.asciiValue, ascii != 0x22, ascii != 0x0A, ascii != 0x0D else {
            throw FileFormatError(path, "delimiter '\(delimiter)' must be one ASCII character other than a quote or newline")
        }
        self.path = path
        parser = try CSVRecordParser(path: path, delimiter: ascii, quoting: quoting, maxRecordBytes: maxRecordBytes)
        guard let names = try parser.nextRecord() else {
            throw FileFormatError(path, "file is empty; expected a header row naming the columns")
        }
        let headerLine = parser.recordLine
        let header = try names.enumerated().map { index, name in
            try decodeUTF8(name, path: path, at: "line \(headerLine), header field \(index + 1)")
        }
        self.header = header
        func column(_ name: String) throws -> Int {
            let matches = header.indices.filter { header[$0] == name }
            guard matches.count == 1 else {
                throw FileFormatError(path, "line \(headerLine): \(matches.isEmpty ? "no" : "\(matches.count)") column\(matches.isEmpty ? "" : "s") named '\(name)'; the header has \(header)")
            }
            return matches[0]
        }
        textIndex = try column(textColumn)
        labelIndex = try labelColumn.map(column)
    }

    /// A tab-separated file; quotes are plain characters unless `quoting` is on.
    public static func tsv(path: String, textColumn: String, labelColumn: String? = nil, quoting: Bool = false) throws -> CSVExampleReader {
        try CSVExampleReader(path: path, textColumn: textColumn, labelColumn: labelColumn, delimiter: "\t", quoting: quoting)
    }

    public func next() throws -> Example? {
        guard let fields = try parser.nextRecord() else { return nil }
        let line = parser.recordLine
        guard fields.count == header.count else {
            throw FileFormatError(path, "line \(line): \(fields.count) field\(fields.count == 1 ? "" : "s"), expected \(header.count) as in the header")
        }
        let text = try decodeUTF8(fields[textIndex], path: path, at: "line \(line), column '\(header[textIndex])'")
        let label = try labelIndex.map { try decodeUTF8(fields[$0], path: path, at: "line \(line), column '\(header[$0])'") }
        return Example(text: text, label: label, source: ExampleLocation(path: path, line: line))
    }
}
