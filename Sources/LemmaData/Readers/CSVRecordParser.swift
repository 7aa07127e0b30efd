import LemmaTensor

/// Splits a CSV/TSV file into records of raw fields, streaming, per RFC 4180: fields separated by the
/// delimiter, records by LF or CRLF, a field in double quotes may hold delimiters, newlines and doubled
/// quotes (`""` for `"`). Blank lines are skipped; a quote inside an unquoted field, text after a closing
/// quote and an unterminated quote are errors naming the line.
struct CSVRecordParser {
    let reader: FileByteReader
    let delimiter: UInt8
    let quoting: Bool
    let maxRecordBytes: Int
    /// Line of the next unread byte.
    private(set) var line = 1
    /// Line where the record last returned starts.
    private(set) var recordLine = 0

    init(path: String, delimiter: UInt8, quoting: Bool, maxRecordBytes: Int) throws {
        reader = try FileByteReader(path: path)
        self.delimiter = delimiter
        self.quoting = quoting
        self.maxRecordBytes = maxRecordBytes
        // A UTF-8 byte-order mark, as Excel writes, is not part of the first field.
        try reader.fill()
        if reader.available.starts(with: [0xEF, 0xBB, 0xBF]) { reader.consume(3) }
    }

    var path: String { reader.path }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted, carriageReturnAfterQuote }

    /// The next record's fields, or nil at the end of the file.
    mutating func nextRecord() throws -> [[UInt8]]? {
        var fields: [[UInt8]] = []
        var field: [UInt8] = []
        var state = State.fieldStart
        var size = 0
        recordLine = line
        while true {
            guard let byte = try reader.readByte() else {
                switch state {
                case .quoted:
                    throw FileFormatError(path, "line \(recordLine): quoted field is never closed (the file ends inside it)")
                case .fieldStart where fields.isEmpty:
                    return nil
                case .unquoted, .fieldStart, .quoteInQuoted, .carriageReturnAfterQuote:
                    if state == .unquoted, field.last == 0x0D { field.removeLast() }
                    fields.append(field)
                    return fields
                }
            }
            size += 1
            guard size <= maxRecordBytes else {
                throw FileFormatError(path, "line \(recordLine): record is longer than \(maxRecordBytes) bytes (a quote that is never closed?)")
            }
            switch state {
            case .fieldStart, .unquoted:
                if byte == delimiter {
                    fields.append(field)
                    field.removeAll(keepingCapacity: true)
                    state = .fieldStart
                } else if byte == 0x0A {
                    line += 1
                    if field.last == 0x0D { field.removeLast() }
                    if fields.isEmpty, field.isEmpty {
                        // A blank line: not a record.
                        recordLine = line
                        size = 0
                        state = .fieldStart
                        continue
                    }
                    fields.append(field)
                    return fields
                } else if quoting, byte == 0x22 {
                    guard state == .fieldStart else {
                        throw FileFormatError(path, "line \(line): quote inside an unquoted field \(fields.count + 1) (quote the whole field and double the quote)")
                    }
                    state = .quoted
                } else {
                    field.append(byte)
                    state = .unquoted
                }
            case .quoted:
                if byte == 0x22 {
                    state = .quoteInQuoted
                } else {
                    if byte == 0x0A { line += 1 }
                    field.append(byte)
                }
            case .quoteInQuoted:
                if byte == 0x22 {
                    field.append(0x22)
                    state = .quoted
                } else if byte == delimiter {
                    fields.append(field)
                    field.removeAll(keepingCapacity: true)
                    state = .fieldStart
                } else if byte == 0x0A {
                    line += 1
                    fields.append(field)
                    return fields
                } else if byte == 0x0D {
                    state = .carriageReturnAfterQuote
                } else {
                    throw FileFormatError(path, "line \(line): unexpected character after the closing quote of field \(fields.count + 1)")
                }
            case .carriageReturnAfterQuote:
                guard byte == 0x0A else {
                    throw FileFormatError(path, "line \(line): unexpected character after the closing quote of field \(fields.count + 1)")
                }
                line += 1
                fields.append(field)
                return fields
            }
        }
    }
}
