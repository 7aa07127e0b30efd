/// Parses the small Python literals of `.npy` headers: dicts, strings, True/False and tuples of integers.
struct PythonLiteralParser {
    enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case tuple([Int])
    }

    struct Failure: Error {
        let offset: Int
        let message: String
    }

    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDictionary() throws -> [String: Value] {
        try expect(UInt8(ascii: "{"))
        var result: [String: Value] = [:]
        while true {
            skipSpace()
            if peek() == UInt8(ascii: "}") { position += 1; break }
            let key = try parseString()
            try expect(UInt8(ascii: ":"))
            guard result[key] == nil else { throw Failure(offset: position, message: "key '\(key)' appears twice") }
            result[key] = try parseValue()
            skipSpace()
            if peek() == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "}"))
            break
        }
        skipSpace()
        guard position == bytes.count else { throw Failure(offset: position, message: "unexpected text after the dict") }
        return result
    }

    private mutating func parseValue() throws -> Value {
        skipSpace()
        switch peek() {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "("): return .tuple(try parseTuple())
        default:
            if consume("True") { return .bool(true) }
            if consume("False") { return .bool(false) }
            throw Failure(offset: position, message: "expected a string, a tuple, True or False")
        }
    }

    private mutating func parseString() throws -> String {
        skipSpace()
        guard let quote = peek(), quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
            throw Failure(offset: position, message: "expected a quoted string")
        }
        position += 1
        let start = position
        while position < bytes.count, bytes[position] != quote {
            guard bytes[position] != UInt8(ascii: "\\") else { throw Failure(offset: position, message: "escapes in strings are not supported") }
            position += 1
        }
        guard position < bytes.count else { throw Failure(offset: start, message: "unterminated string") }
        defer { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func parseTuple() throws -> [Int] {
        try expect(UInt8(ascii: "("))
        var values: [Int] = []
        while true {
            skipSpace()
            if peek() == UInt8(ascii: ")") { position += 1; return values }
            let start = position
            var value = 0
            while let byte = peek(), byte >= 0x30, byte <= 0x39 {
                guard position - start < 18 else { throw Failure(offset: start, message: "dimension is too large") }
                value = value * 10 + Int(byte - 0x30)
                position += 1
            }
            // NumPy 1.x wrote long integers with an L suffix.
            if peek() == UInt8(ascii: "L") { position += 1 }
            guard position > start else { throw Failure(offset: position, message: "expected a non-negative integer in the shape") }
            values.append(value)
            skipSpace()
            if peek() == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: ")"))
            return values
        }
    }

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D { position += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipSpace()
        guard peek() == byte else {
            throw Failure(offset: position, message: "expected '\(Character(Unicode.Scalar(byte)))'")
        }
        position += 1
    }

    private mutating func consume(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard bytes.count - position >= utf8.count, bytes[position..<(position + utf8.count)].elementsEqual(utf8) else { return false }
        position += utf8.count
        return true
    }
}
