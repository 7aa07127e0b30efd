import LemmaTensor
import LemmaText

/// Examples from a JSON Lines file: one JSON object per line, with the text and the label in named
/// top-level fields. Blank lines are skipped. Invalid JSON, a missing field or a text that is not a string
/// is an error naming the file and line. Labels may be strings, numbers (kept as written) or booleans.
public final class JSONLinesExampleReader: ExampleReader {
    public let path: String
    public let textField: String
    public let labelField: String?
    private let lines: LineReader

    public init(path: String, textField: String = "text", labelField: String? = "label", maxLineBytes: Int = 64 << 20) throws {
        self.path = path
        self.textField = textField
        self.labelField = labelField
        lines = try LineReader(path: path, maxLineBytes: maxLineBytes)
    }

    public func next() throws -> Example? {
        while let line = try lines.nextLine() {
            let bytes = UnsafeRawBufferPointer(line)
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let number = lines.lineNumber
            try requireUTF8(bytes, path: path, at: "line \(number)")
            let parsed: JSONValue
            do {
                parsed = try JSONParser.parse(bytes, shallow: true)
            } catch let error as JSONSyntaxError {
                throw FileFormatError(path, "line \(number), column \(error.offset + 1): invalid JSON: \(error.message)")
            }
            guard let members = parsed.members else {
                throw FileFormatError(path, "line \(number): expected a JSON object starting with '{', found \(parsed.summary)")
            }
            // A repeated key: the last one counts, as in Python's json.
            var fields: [String: JSONValue] = [:]
            for member in members { fields[member.key] = member.value }
            guard let textValue = fields[textField] else {
                throw FileFormatError(path, "line \(number): no field '\(textField)' (fields: \(fields.keys.sorted()))")
            }
            guard case .string(let text) = textValue else {
                throw FileFormatError(path, "line \(number): field '\(textField)' is not a string")
            }
            var label: String?
            if let labelField {
                switch fields[labelField] {
                case .string(let value)?: label = value
                case .number(let value)?: label = value
                case .bool(let value)?: label = value ? "true" : "false"
                case nil: throw FileFormatError(path, "line \(number): no field '\(labelField)' (fields: \(fields.keys.sorted()))")
                default: throw FileFormatError(path, "line \(number): field '\(labelField)' is not a string, number or boolean")
                }
            }
            return Example(text: text, label: label, source: ExampleLocation(path: path, line: number))
        }
        return nil
    }
}
