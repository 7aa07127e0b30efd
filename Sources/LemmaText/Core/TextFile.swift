import Foundation

/// A vocabulary or merges file read whole, handed out line by line with 1-based line numbers, so every
/// loader reports errors the same way.
struct TextFile {
    let path: String
    let bytes: [UInt8]

    init(_ url: URL) throws {
        path = url.path
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw TokenizerFileError(path: url.path, line: nil, "cannot be read (\(Self.reason(error)))")
        }
    }

    init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    func error(line: Int?, _ message: String) -> TokenizerFileError {
        TokenizerFileError(path: path, line: line, message)
    }

    /// The file as one JSON value; an error names the line where it stops being JSON.
    func json() throws -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch let error as JSONSyntaxError {
            throw self.error(line: error.line, "invalid JSON: \(error.message)")
        }
    }

    /// Each line without its "\n" (and without a "\r" before it), with its number. A last line without a
    /// final newline is included; the empty string after a final newline is not.
    func forEachLine(_ body: (_ number: Int, _ line: ArraySlice<UInt8>) throws -> Void) rethrows {
        var start = 0
        var number = 1
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            var contentEnd = end
            if contentEnd > start && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            try body(number, bytes[start..<contentEnd])
            start = end + 1
            number += 1
        }
    }

    /// The line as a String, or an error naming the line if its bytes are not valid UTF-8.
    func string(_ line: ArraySlice<UInt8>, number: Int) throws -> String {
        guard let text = String(validating: line, as: UTF8.self) else {
            throw error(line: number, "invalid UTF-8 at byte \(Self.firstInvalidUTF8Offset(line) + 1) of the line")
        }
        return text
    }

    /// The whole file as a String, or an error naming the first line with invalid UTF-8.
    func string() throws -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        let offset = Self.firstInvalidUTF8Offset(bytes[...])
        let line = bytes[..<offset].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        throw error(line: line, "invalid UTF-8")
    }

    /// Index, relative to the slice start, of the first byte where UTF-8 decoding fails.
    static func firstInvalidUTF8Offset(_ bytes: ArraySlice<UInt8>) -> Int {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(scalar): offset += UTF8.width(scalar)
            case .emptyInput: return offset
            case .error: return offset
            }
        }
    }

    private static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError {
            return underlying.localizedDescription
        }
        return nsError.localizedDescription
    }
}
