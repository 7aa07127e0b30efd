/// A top-level JSON value as the JSONL reader sees it: scalars in full, containers only by kind.
enum JSONField: Equatable {
    case string(String)
    /// The number exactly as written (`3`, `-0.5e3`).
    case number(String)
    case bool(Bool)
    case null
    case array
    case object
}

/// Validates one JSON object (RFC 8259) and returns its top-level fields; nested values are checked but
/// not built. Nesting deeper than `maxDepth` is refused, so hostile input cannot exhaust the stack. The
/// bytes must already be valid UTF-8.
struct JSONLineParser {
    struct Failure: Error {
        let offset: Int
        let message: String
    }

    static let maxDepth = 256
    /// `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t` and the bytes they stand for.
    private static let escapes: [UInt8: UInt8] = [0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 0x08, 0x66: 0x0C, 0x6E: 0x0A, 0x72: 0x0D, 0x74: 0x09]

    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    static func parseObject(_ bytes: UnsafeRawBufferPointer) throws -> [String: JSONField] {
        var parser = JSONLineParser(bytes)
        parser.skipSpace()
        guard parser.peek() == UInt8(ascii: "{") else {
            throw Failure(offset: parser.position, message: "expected a JSON object starting with '{'")
        }
        var fields: [String: JSONField] = [:]
        try parser.object(depth: 1, fields: &fields)
        parser.skipSpace()
        guard parser.position == bytes.count else { throw Failure(offset: parser.position, message: "unexpected text after the object") }
        return fields
    }

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipSpace() {
        while let b = peek(), b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { position += 1 }
    }

    private func fail(_ message: String) -> Failure { Failure(offset: position, message: message) }

    /// Parses an object at `position`; collects its fields when `depth` is 1.
    private mutating func object(depth: Int, fields: inout [String: JSONField]) throws {
        guard depth <= Self.maxDepth else { throw fail("nested more than \(Self.maxDepth) levels deep") }
        position += 1
        skipSpace()
        if peek() == UInt8(ascii: "}") { position += 1; return }
        while true {
            skipSpace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a quoted key") }
            let key = try string(build: depth == 1)
            skipSpace()
            guard peek() == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
            position += 1
            let field = try value(depth: depth, build: depth == 1)
            if depth == 1 { fields[key!] = field }
            skipSpace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return
            default: throw fail("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func array(depth: Int) throws {
        guard depth <= Self.maxDepth else { throw fail("nested more than \(Self.maxDepth) levels deep") }
        position += 1
        skipSpace()
        if peek() == UInt8(ascii: "]") { position += 1; return }
        while true {
            _ = try value(depth: depth, build: false)
            skipSpace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return
            default: throw fail("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func value(depth: Int, build: Bool) throws -> JSONField {
        skipSpace()
        guard let b = peek() else { throw fail("expected a value, found the end of the line") }
        switch b {
        case UInt8(ascii: "\""): return .string(try string(build: build) ?? "")
        case UInt8(ascii: "{"):
            var ignored: [String: JSONField] = [:]
            try object(depth: depth + 1, fields: &ignored)
            return .object
        case UInt8(ascii: "["):
            try array(depth: depth + 1)
            return .array
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("unexpected character '\(Character(Unicode.Scalar(b)))'")
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count,
              (0..<count).allSatisfy({ bytes[position + $0] == word.utf8Start[$0] }) else {
            throw fail("expected '\(word)'")
        }
        position += count
    }

    private mutating func number() throws -> String {
        let start = position
        func digits() -> Int {
            let from = position
            while let b = peek(), b >= 0x30, b <= 0x39 { position += 1 }
            return position - from
        }
        if peek() == UInt8(ascii: "-") { position += 1 }
        if peek() == UInt8(ascii: "0") {
            position += 1
        } else {
            guard digits() > 0 else { throw fail("expected digits in a number") }
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw fail("expected digits after '.'") }
        }
        if let b = peek(), b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
            position += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw fail("expected digits in an exponent") }
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    /// A string at `position` (on its opening quote); decoded only when `build` is set.
    private mutating func string(build: Bool) throws -> String? {
        position += 1
        var result: [UInt8] = []
        while true {
            guard let b = peek() else { throw fail("string is never closed") }
            position += 1
            switch b {
            case UInt8(ascii: "\""):
                return build ? String(decoding: result, as: UTF8.self) : nil
            case UInt8(ascii: "\\"):
                guard let e = peek() else { throw fail("string ends inside an escape") }
                position += 1
                if let replacement = Self.escapes[e] {
                    if build { result.append(replacement) }
                } else if e == UInt8(ascii: "u") {
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard bytes.count - position >= 6, bytes[position] == 0x5C, bytes[position + 1] == UInt8(ascii: "u") else {
                            throw fail("lone UTF-16 high surrogate in a \\u escape")
                        }
                        position += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("high surrogate not followed by a low surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("lone UTF-16 low surrogate in a \\u escape")
                    }
                    if build { result.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8) }
                } else {
                    throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
                }
            case 0x00..<0x20:
                throw fail("control character \(b) inside a string (it must be escaped)")
            default:
                if build { result.append(b) }
            }
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - position >= 4 else { throw fail("\\u escape needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[position]
            let digit: UInt32
            switch b {
            case 0x30...0x39: digit = UInt32(b - 0x30)
            case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
            default: throw fail("\\u escape needs four hex digits")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }
}
