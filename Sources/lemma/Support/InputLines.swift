import Foundation

/// An error for the user: printed as one line, `lemma: error: …`, with exit status 1.
struct LemmaCLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The lines of a text file or standard input, checked to be UTF-8 (the error names the line).
enum InputLines {
    static func read(_ path: String?) throws -> [String] {
        let name = path ?? "<stdin>"
        let data: Data
        if let path {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw LemmaCLIError("\(path): cannot read the file")
            }
            data = contents
        } else {
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        var lines: [String] = []
        var number = 0
        for slice in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var bytes = slice
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            guard let line = String(validating: bytes, as: UTF8.self) else {
                throw LemmaCLIError("\(name):\(number): invalid UTF-8")
            }
            lines.append(line)
        }
        if lines.last == "" { lines.removeLast() }  // the newline that ends the last line
        return lines
    }
}
