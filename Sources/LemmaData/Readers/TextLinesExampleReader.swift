import LemmaTensor

/// Examples from a plain text file, one per line (without its line ending), all with the same label (or
/// none). Blank lines are skipped unless `skipBlankLines` is off; invalid UTF-8 is an error naming the line.
public final class TextLinesExampleReader: ExampleReader {
    public let path: String
    public let label: String?
    public let skipBlankLines: Bool
    private let lines: LineReader

    public init(path: String, label: String? = nil, skipBlankLines: Bool = true, maxLineBytes: Int = 64 << 20) throws {
        self.path = path
        self.label = label
        self.skipBlankLines = skipBlankLines
        lines = try LineReader(path: path, maxLineBytes: maxLineBytes)
    }

    public func next() throws -> Example? {
        while let line = try lines.nextLine() {
            let bytes = UnsafeRawBufferPointer(line)
            if skipBlankLines, bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let text = try decodeUTF8(bytes, path: path, at: "line \(lines.lineNumber)")
            return Example(text: text, label: label, source: ExampleLocation(path: path, line: lines.lineNumber))
        }
        return nil
    }
}
