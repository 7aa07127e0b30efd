/// A small JSON reader for tokenizer files (encoder.json, tokenizer.json). Foundation's JSONSerialization
/// gives neither line numbers for errors nor object keys in order, and bridges keys through a dictionary
/// that merges canonically equivalent strings; this keeps members in file order with their lines.
indirect enum JSONValue {
    case object([JSONMember])
    case array([JSONValue])
    case string(String)
    case integer(Int)
    case double(Double)
    case bool(Bool)
    case null

    /// The first member named `key`, for objects.
    subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.key.unicodeScalars.elementsEqual(key.unicodeScalars) }?.value
    }

    var string: String? { if case let .string(s) = self { s } else { nil } }
    var integer: Int? { if case let .integer(i) = self { i } else { nil } }
    var bool: Bool? { if case let .bool(b) = self { b } else { nil } }
    var isNull: Bool { if case .null = self { true } else { false } }
    var members: [JSONMember]? { if case let .object(m) = self { m } else { nil } }
}

struct JSONMember {
    let key: String
    let value: JSONValue
    /// 1-based line where the key starts.
    let line: Int
}

struct JSONReader {
    private let bytes: [UInt8]
    private let file: TextFile
    private var position = 0
    private var line = 1

    /// Parses the whole file; the error names the line where the text stops being JSON.
    static func parse(_ file: TextFile) throws -> JSONValue {
        var reader = JSONReader(file: file)
        reader.skipWhitespace()
        let value = try reader.parseValue(depth: 0)
        reader.skipWhitespace()
        guard reader.position == reader.bytes.count else { throw reader.failure("expected the end of the file after the JSON value") }
        return value
    }

    private init(file: TextFile) {
        self.file = file
        bytes = file.bytes
    }

    private func failure(_ message: String) -> TokenizerFileError {
        file.error(line: line, "invalid JSON: \(message)")
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x0A: line += 1
            case 0x20, 0x09, 0x0D: break
            default: return
            }
            position += 1
        }
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw failure("nested more than 512 levels deep") }
        guard position < bytes.count else { throw failure("expected a value, found the end of the file") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("expected a value, found \(describe(bytes[position]))")
        }
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        position += 1
        var members: [JSONMember] = []
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw failure("expected a string key in an object")
            }
            let keyLine = line
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after an object key")
            skipWhitespace()
            members.append(JSONMember(key: key, value: try parseValue(depth: depth + 1), line: keyLine))
            skipWhitespace()
            guard position < bytes.count else { throw failure("expected ',' or '}', found the end of the file") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "}"), "',' or '}' in an object")
            return .object(members)
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard position < bytes.count else { throw failure("expected ',' or ']', found the end of the file") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "]"), "',' or ']' in an array")
            return .array(elements)
        }
    }

    private mutating func parseString() throws -> String {
        position += 1
        var utf8: [UInt8] = []
        while true {
            guard position < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: utf8, as: UTF8.self) else { throw failure("invalid UTF-8 in a string") }
                return text
            case UInt8(ascii: "\\"):
                try parseEscape(into: &utf8)
            case 0x00..<0x20:
                throw failure("control character \(describe(byte)) in a string")
            default:
                utf8.append(byte)
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws {
        guard position < bytes.count else { throw failure("unterminated string") }
        let byte = bytes[position]
        position += 1
        if let replacement = Self.simpleEscapes[byte] {
            utf8.append(replacement)
            return
        }
        guard byte == UInt8(ascii: "u") else { throw failure("unknown escape \\\(describe(byte))") }
        var value = try parseHex4()
        if (0xD800..<0xDC00).contains(value) {
            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                throw failure("unpaired surrogate \\u\(String(value, radix: 16))")
            }
            position += 2
            let low = try parseHex4()
            guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate \\u\(String(value, radix: 16))") }
            value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(value) else { throw failure("unpaired surrogate \\u\(String(value, radix: 16))") }
        UTF8.encode(scalar) { utf8.append($0) }
    }

    /// \" \\ \/ \b \f \n \r \t.
    private static let simpleEscapes: [UInt8: UInt8] = [0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 0x08, 0x66: 0x0C, 0x6E: 0x0A, 0x72: 0x0D, 0x74: 0x09]

    private mutating func parseHex4() throws -> UInt32 {
        guard position + 4 <= bytes.count,
              let value = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
        else { throw failure("expected 4 hex digits after \\u") }
        position += 4
        return value
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = position
        while position < bytes.count, "+-0123456789.eE".utf8.contains(bytes[position]) { position += 1 }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if let integer = Int(text) { return .integer(integer) }
        if let double = Double(text) { return .double(double) }
        throw failure("malformed number '\(text)'")
    }

    private mutating func expectWord(_ word: String) throws {
        let expected = Array(word.utf8)
        guard position + expected.count <= bytes.count, Array(bytes[position..<position + expected.count]) == expected else {
            throw failure("expected '\(word)'")
        }
        position += expected.count
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws {
        guard position < bytes.count else { throw failure("expected \(what), found the end of the file") }
        guard bytes[position] == byte else { throw failure("expected \(what), found \(describe(bytes[position]))") }
        position += 1
    }

    private func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }
}
