import Foundation
import LemmaTensor

/// Splits a file into lines, streaming: each line ends at '\n' (a '\r' before it is dropped), the last may
/// lack one, and lines are numbered from 1. A line longer than `maxLineBytes` is an error, so a file with no
/// newlines cannot make the reader swallow the whole file.
final class LineReader {
    let reader: FileByteReader
    let maxLineBytes: Int
    /// Number of the line last returned.
    private(set) var lineNumber = 0
    private var line: UnsafeMutableRawBufferPointer
    private var length = 0

    var path: String { reader.path }

    init(path: String, maxLineBytes: Int = 64 << 20) throws {
        reader = try FileByteReader(path: path)
        self.maxLineBytes = maxLineBytes
        line = .allocate(byteCount: 4096, alignment: 16)
    }

    deinit { line.deallocate() }

    /// The next line's bytes, followed in memory by a NUL (so C parsers can read it), or nil at the end of
    /// the file. The buffer is mutable scratch and valid only until the next call.
    func nextLine() throws -> UnsafeMutableRawBufferPointer? {
        length = 0
        var sawAnything = false
        while true {
            let available = reader.available
            if available.isEmpty {
                if try !reader.fill(), reader.available.isEmpty {
                    guard sawAnything else { return nil }
                    break
                }
                continue
            }
            sawAnything = true
            if let newline = memchr(available.baseAddress!, 0x0A, available.count) {
                let count = available.baseAddress!.distance(to: UnsafeRawPointer(newline))
                try append(UnsafeRawBufferPointer(rebasing: available[..<count]))
                reader.consume(count + 1)
                break
            }
            try append(available)
            reader.consume(available.count)
        }
        lineNumber += 1
        if length > 0, line[length - 1] == 0x0D { length -= 1 }
        line[length] = 0
        return UnsafeMutableRawBufferPointer(rebasing: line[..<length])
    }

    private func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        guard length + bytes.count <= maxLineBytes else {
            throw FileFormatError(path, "line \(lineNumber + 1) is longer than \(maxLineBytes) bytes; is this a text file with one record per line?")
        }
        if length + bytes.count + 1 > line.count {
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: max(line.count * 2, length + bytes.count + 1), alignment: 16)
            grown.baseAddress!.copyMemory(from: line.baseAddress!, byteCount: length)
            line.deallocate()
            line = grown
        }
        (line.baseAddress! + length).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        length += bytes.count
    }
}
