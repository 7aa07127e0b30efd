import Foundation
import LemmaTensor

/// Splits one line of a GloVe / word2vec text file (`word v1 … vd`) into its word and its numbers, reusing
/// its buffers from line to line. Numbers are rounded correctly to float32, as `strtof` does, and must be
/// finite.
struct VectorLineParser {
    let path: String
    let dimension: Int
    let wordsMayContainSpaces: Bool
    private var tokens: [Range<Int>] = []

    init(path: String, dimension: Int, wordsMayContainSpaces: Bool) {
        self.path = path
        self.dimension = dimension
        self.wordsMayContainSpaces = wordsMayContainSpaces
    }

    /// Token ranges of `line`, split at runs of spaces and tabs.
    static func tokenize(_ line: UnsafeMutableRawBufferPointer, into tokens: inout [Range<Int>]) {
        tokens.removeAll(keepingCapacity: true)
        var i = 0
        let n = line.count
        while i < n {
            while i < n, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
            guard i < n else { break }
            let start = i
            while i < n, line[i] != 0x20, line[i] != 0x09 { i += 1 }
            tokens.append(start..<i)
        }
    }

    /// Parses `line` (NUL-terminated, modified in place); returns the word's byte range, or nil for a blank
    /// line. Writes the numbers into `vector`.
    mutating func parse(_ line: UnsafeMutableRawBufferPointer, lineNumber: Int,
                        into vector: UnsafeMutableBufferPointer<Float>) throws -> Range<Int>? {
        Self.tokenize(line, into: &tokens)
        guard !tokens.isEmpty else { return nil }
        let numbers = tokens.count - 1
        if numbers != dimension, !(wordsMayContainSpaces && numbers > dimension) {
            var message = "line \(lineNumber): expected a word and \(dimension) numbers, found \(numbers) number\(numbers == 1 ? "" : "s") after the word"
            if numbers > dimension { message += " (if words may contain spaces, set wordsMayContainSpaces)" }
            throw FileFormatError(path, message)
        }
        let firstNumber = tokens.count - dimension
        let word = tokens[0].lowerBound..<tokens[firstNumber - 1].upperBound
        let base = line.baseAddress!.assumingMemoryBound(to: CChar.self)
        for k in 0..<dimension {
            let token = tokens[firstNumber + k]
            // The byte after a token is a separator or the terminating NUL: end the token there for strtof.
            if token.upperBound < line.count { line[token.upperBound] = 0 }
            guard let value = Self.parseFloat(base + token.lowerBound, count: token.count) else {
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: line[token]).prefix(40), as: UTF8.self)
                throw FileFormatError(path, "line \(lineNumber): value \(k + 1) '\(text)' is not a finite number")
            }
            vector[k] = value
        }
        return word
    }

    /// Powers of ten that float32 holds exactly.
    private static let exactPowersOfTen: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]

    /// A finite float from `count` bytes (NUL-terminated after them), or nil. Plain decimals of up to about
    /// seven digits — most of GloVe — take Clinger's fast path: the digits as an integer below 2^24 and the
    /// power of ten are both exact in float32, so one division rounds correctly, as strtof would. The rest
    /// go to strtof.
    @inline(__always)
    static func parseFloat(_ text: UnsafePointer<CChar>, count: Int) -> Float? {
        var i = 0
        var negative = false
        if count > 0, text[0] == 0x2D || text[0] == 0x2B {
            negative = text[0] == 0x2D
            i = 1
        }
        var mantissa: UInt32 = 0
        var digits = 0
        var fractionDigits = 0
        var seenPoint = false
        var fast = i < count
        while i < count {
            let c = UInt8(bitPattern: text[i])
            if c >= 0x30, c <= 0x39 {
                mantissa = mantissa &* 10 &+ UInt32(c - 0x30)
                digits += 1
                if seenPoint { fractionDigits += 1 }
                if digits > 8 || mantissa > 1 << 24 { fast = false; break }
            } else if c == 0x2E, !seenPoint {
                seenPoint = true
            } else {
                fast = false
                break
            }
            i += 1
        }
        if fast, digits > 0, fractionDigits <= 10 {
            let magnitude = Float(mantissa) / exactPowersOfTen[fractionDigits]
            return negative ? -magnitude : magnitude
        }
        var end: UnsafeMutablePointer<CChar>?
        let value = strtof(text, &end)
        guard let end, end == UnsafeMutablePointer(mutating: text + count), value.isFinite else { return nil }
        return value
    }

    /// Whether the line is a word2vec/fastText header `count dim`, returning both.
    static func header(_ line: UnsafeMutableRawBufferPointer) -> (count: Int, dimension: Int)? {
        var tokens: [Range<Int>] = []
        tokenize(line, into: &tokens)
        guard tokens.count == 2 else { return nil }
        func integer(_ range: Range<Int>) -> Int? {
            guard range.count <= 18 else { return nil }
            var value = 0
            for i in range {
                guard line[i] >= 0x30, line[i] <= 0x39 else { return nil }
                value = value * 10 + Int(line[i] - 0x30)
            }
            return value
        }
        guard let count = integer(tokens[0]), let dimension = integer(tokens[1]) else { return nil }
        return (count, dimension)
    }
}
