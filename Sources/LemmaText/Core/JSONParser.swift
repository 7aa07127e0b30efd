/// Lemma's one JSON reader (RFC 8259), for every JSON it reads: tokenizer files (encoder.json,
/// tokenizer.json), model configs (config.json), and JSON Lines corpora one line at a time. Foundation's
/// JSONSerialization gives no position for errors, merges canonically equivalent keys, turns 0 and 1 into
/// booleans and loses the text of numbers; this keeps object members in order with their lines, numbers as
/// written, and reports where the text stops being JSON. `shallow` builds only the top level (a corpus line's
/// fields) and checks nested values without keeping them. Nesting is limited so hostile input cannot
/// exhaust the stack.
public indirect enum JSONValue: Equatable, Sendable {
    case object([JSONMember])
    case array([JSONValue])
    case string(String)
    /// The number exactly as written (`3`, `-0.5e3`).
    case number(String)
    case bool(Bool)
    case null
    /// A nested container that a shallow parse checked but did not build.
    case skippedObject, skippedArray

    /// The first member named `key`, for objects.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.key.unicodeScalars.elementsEqual(key.unicodeScalars) }?.value
    }

    public var string: String? { if case let .string(s) = self { s } else { nil } }
    /// The number when it is an integer (`3`, also `3.0` and `3e2`), as JSON leaves that to the reader.
    public var integer: Int? {
        guard case let .number(text) = self else { return nil }
        if let value = Int(text) { return value }
        return Double(text).flatMap { Int(exactly: $0) }
    }
    public var double: Double? { if case let .number(text) = self { Double(text) } else { nil } }
    public var bool: Bool? { if case let .bool(b) = self { b } else { nil } }
    public var isNull: Bool { self == .null }
    public var members: [JSONMember]? { if case let .object(m) = self { m } else { nil } }
    public var elements: [JSONValue]? { if case let .array(a) = self { a } else { nil } }

    /// A short rendering for error messages.
    public var summary: String {
        switch self {
        case .string(let s): "\"\(s.prefix(40))\""
        case .number(let n): n
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        case .array, .skippedArray: "an array"
        case .object, .skippedObject: "an object"
        }
    }
}

public struct JSONMember: Equatable, Sendable {
    public let key: String
    public let value: JSONValue
    /// 1-based line where the key starts.
    public let line: Int
}

/// Where and why a text is not JSON.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    /// Byte offset from the start of the text, and the 1-based line there.
    public let offset: Int, line: Int
    public let message: String
    public var description: String { "line \(line): invalid JSON: \(message)" }
}

public struct JSONParser {
    public static let maxDepth = 512

    private let bytes: UnsafeRawBufferPointer
    private let shallow: Bool
    private var position = 0
    private var line = 1

    /// Parses one JSON value filling all of `bytes` (which must be valid UTF-8 where strings are built).
    public static func parse(_ bytes: UnsafeRawBufferPointer, shallow: Bool = false) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes, shallow: shallow)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.failure("unexpected text after the JSON value") }
        return value
    }

    public static func parse(_ bytes: [UInt8], shallow: Bool = false) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0, shallow: shallow) }
    }

    private init(bytes: UnsafeRawBufferPointer, shallow: Bool) {
        self.bytes = bytes
        self.shallow = shallow
    }

    private func failure(_ message: String) -> JSONSyntaxError { JSONSyntaxError(offset: position, line: line, message: message) }

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = peek() {
            switch byte {
            case 0x0A: line += 1
            case 0x20, 0x09, 0x0D: break
            default: return
            }
            position += 1
        }
    }

    /// Whether a container at `depth` is built: every one, or when shallow only the top level (whose
    /// members' scalars are kept and nested containers only checked).
    private func builds(_ depth: Int) -> Bool { !shallow || depth == 0 }

    private mutating func value(depth: Int) throws -> JSONValue {
        guard depth < Self.maxDepth else { throw failure("nested more than \(Self.maxDepth) levels deep") }
        guard let byte = peek() else { throw failure("expected a value, found the end of the text") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string(build: !shallow || depth <= 1) ?? "")
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("expected a value, found \(describe(byte))")
        }
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        position += 1
        let keep = builds(depth)
        var members: [JSONMember] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return keep ? .object(members) : .skippedObject
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw failure("expected a quoted key in an object") }
            let keyLine = line
            let key = try string(build: keep)
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after an object key")
            skipWhitespace()
            let member = try value(depth: depth + 1)
            if keep { members.append(JSONMember(key: key!, value: member, line: keyLine)) }
            skipWhitespace()
            guard let next = peek() else { throw failure("expected ',' or '}' in an object, found the end of the text") }
            if next == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "}"), "',' or '}' in an object")
            return keep ? .object(members) : .skippedObject
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        position += 1
        let keep = builds(depth)
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return keep ? .array(elements) : .skippedArray
        }
        while true {
            skipWhitespace()
            let element = try value(depth: depth + 1)
            if keep { elements.append(element) }
            skipWhitespace()
            guard let next = peek() else { throw failure("expected ',' or ']' in an array, found the end of the text") }
            if next == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "]"), "',' or ']' in an array")
            return keep ? .array(elements) : .skippedArray
        }
    }

    /// \" \\ \/ \b \f \n \r \t.
    private static let simpleEscapes: [UInt8: UInt8] = [0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 0x08, 0x66: 0x0C, 0x6E: 0x0A, 0x72: 0x0D, 0x74: 0x09]

    /// The string at `position` (on its opening quote), decoded only when `build` is set.
    private mutating func string(build: Bool) throws -> String? {
        position += 1
        var utf8: [UInt8] = []
        while true {
            guard let byte = peek() else { throw failure("unterminated string") }
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard build else { return nil }
                guard let text = String(validating: utf8, as: UTF8.self) else { throw failure("invalid UTF-8 in a string") }
                return text
            case UInt8(ascii: "\\"):
                try escape(into: &utf8, build: build)
            case 0x00..<0x20:
                throw failure("control character \(describe(byte)) in a string (it must be escaped)")
            default:
                if build { utf8.append(byte) }
            }
        }
    }

    private mutating func escape(into utf8: inout [UInt8], build: Bool) throws {
        guard let byte = peek() else { throw failure("unterminated string") }
        position += 1
        if let replacement = Self.simpleEscapes[byte] {
            if build { utf8.append(replacement) }
            return
        }
        guard byte == UInt8(ascii: "u") else { throw failure("unknown escape \\\(describe(byte))") }
        var value = try hex4()
        if (0xD800..<0xDC00).contains(value) {
            guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                throw failure("lone UTF-16 surrogate \\u\(String(value, radix: 16))")
            }
            position += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw failure("lone UTF-16 surrogate \\u\(String(value, radix: 16))") }
            value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(value) else { throw failure("lone UTF-16 surrogate \\u\(String(value, radix: 16))") }
        if build { UTF8.encode(scalar) { utf8.append($0) } }
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - position >= 4 else { throw failure("expected 4 hex digits after \\u") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw failure("expected 4 hex digits after \\u")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    /// RFC 8259's number grammar, returned as written.
    private mutating func number() throws -> String {
        let start = position
        func digits() -> Int {
            let from = position
            while let byte = peek(), byte >= 0x30, byte <= 0x39 { position += 1 }
            return position - from
        }
        if peek() == UInt8(ascii: "-") { position += 1 }
        if peek() == UInt8(ascii: "0") {
            position += 1
        } else {
            guard digits() > 0 else { throw failure("expected digits in a number") }
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw failure("expected digits after '.' in a number") }
        }
        if let byte = peek(), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            position += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw failure("expected digits in an exponent") }
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count, (0..<count).allSatisfy({ bytes[position + $0] == word.utf8Start[$0] }) else {
            throw failure("expected '\(word)'")
        }
        position += count
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws {
        guard let found = peek() else { throw failure("expected \(what), found the end of the text") }
        guard found == byte else { throw failure("expected \(what), found \(describe(found))") }
        position += 1
    }

    private func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }
}
