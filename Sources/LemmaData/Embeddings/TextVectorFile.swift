import Foundation
import LemmaTensor

/// A GloVe or word2vec text file: one `word v1 … vd` per line, with an optional `count dim` header line as
/// word2vec and fastText `.vec` files have. Read as a stream, a line at a time; `readAll()` allocates the
/// matrix once, at its final size.
public final class TextVectorFile: EmbeddingSource {
    /// Whether the first line is a `count dim` header.
    public enum Header: Sendable {
        /// A first line of exactly two non-negative integers is a header (a one-dimensional vector file whose
        /// first word is a number would be misread: say `.absent` for those).
        case auto
        case present
        case absent
    }

    /// How to read the file.
    public struct Options: Sendable {
        public var header: Header = .auto
        /// The expected dimension; nil takes it from the header or the first line.
        public var dimension: Int?
        /// Take the last `dimension` fields as the vector and the rest as the word, for files such as
        /// glove.840B whose words sometimes contain spaces. Off: such lines are errors.
        public var wordsMayContainSpaces = false
        /// Longest line accepted; a longer one is an error rather than an unbounded allocation.
        public var maxLineBytes = 16 << 20

        public init(header: Header = .auto, dimension: Int? = nil, wordsMayContainSpaces: Bool = false) {
            self.header = header
            self.dimension = dimension
            self.wordsMayContainSpaces = wordsMayContainSpaces
        }
    }

    public let path: String
    public let dimension: Int
    /// The count from the header line, checked against the file as it is read.
    public let declaredCount: Int?
    public let options: Options
    private let hasHeader: Bool

    /// Reads the first line to learn the dimension; the rest is read on demand.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        self.options = options
        let lines = try LineReader(path: path, maxLineBytes: options.maxLineBytes)
        var first = try lines.nextLine()
        while let line = first, line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { first = try lines.nextLine() }
        guard let first else { throw FileFormatError(path, "file has no vectors (expected lines `word v1 … vd`)") }
        let fileSize = lines.reader.fileSize
        let header = options.header == .absent ? nil : VectorLineParser.header(first)
        if options.header == .present, header == nil {
            throw FileFormatError(path, "line \(lines.lineNumber): expected a header `count dimension`")
        }
        if let header {
            guard header.dimension > 0, header.dimension <= max(1, fileSize / 2) else {
                throw FileFormatError(path, "line \(lines.lineNumber): header dimension \(header.dimension) is 0 or more than a \(fileSize)-byte file can hold")
            }
            // Each vector line needs at least a word, a space and a digit per value, and a newline.
            let minimumLine = 2 * header.dimension + 2
            guard header.count <= fileSize / minimumLine else {
                throw FileFormatError(path, "line \(lines.lineNumber): header declares \(header.count) vectors of dimension \(header.dimension), more than a \(fileSize)-byte file can hold")
            }
            if let expected = options.dimension, expected != header.dimension {
                throw FileFormatError(path, "line \(lines.lineNumber): header dimension \(header.dimension), expected \(expected)")
            }
            dimension = header.dimension
            declaredCount = header.count
            hasHeader = true
        } else {
            var tokens: [Range<Int>] = []
            VectorLineParser.tokenize(first, into: &tokens)
            let found = tokens.count - 1
            if let expected = options.dimension {
                dimension = expected
            } else {
                guard found > 0 else { throw FileFormatError(path, "line \(lines.lineNumber): expected a word and its vector, found one field") }
                dimension = found
            }
            guard dimension > 0 else { throw FileFormatError(path, "dimension must be positive") }
            declaredCount = nil
            hasHeader = false
        }
    }

    public func forEachVector(_ body: (UnsafeRawBufferPointer, UnsafeBufferPointer<Float>) throws -> Void) throws {
        let lines = try LineReader(path: path, maxLineBytes: options.maxLineBytes)
        var parser = VectorLineParser(path: path, dimension: dimension, wordsMayContainSpaces: options.wordsMayContainSpaces)
        let vector = UnsafeMutableBufferPointer<Float>.allocate(capacity: dimension)
        defer { vector.deallocate() }
        if hasHeader {
            // Skip blank lines before the header, as `init` did.
            while let line = try lines.nextLine(), line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {}
        }
        var count = 0
        while let line = try lines.nextLine() {
            guard let word = try parser.parse(line, lineNumber: lines.lineNumber, into: vector) else { continue }
            let bytes = UnsafeRawBufferPointer(rebasing: line[word])
            try requireUTF8(bytes, path: path, at: "line \(lines.lineNumber), the word")
            count += 1
            if let declared = declaredCount, count > declared {
                throw FileFormatError(path, "line \(lines.lineNumber): more vectors than the \(declared) the header declares")
            }
            try body(bytes, UnsafeBufferPointer(vector))
        }
        if let declared = declaredCount, count < declared {
            throw FileFormatError(path, "file ends after \(count) vectors (line \(lines.lineNumber)); the header declares \(declared)")
        }
    }

    /// All vectors in memory. Without a header the lines are counted first (a fast pass), so the matrix is
    /// allocated once at its final size: peak memory is the matrix plus the words.
    public func readAll() throws -> WordVectors {
        let rows = try declaredCount ?? countLines()
        var matrix = Tensor.zeros([rows, dimension])
        var table = WordTable(capacity: rows)
        var entries: [Int] = []
        entries.reserveCapacity(rows)
        let d = dimension
        try matrix.withUnsafeMutableBufferPointer { values in
            try forEachVector { word, vector in
                let row = entries.count
                guard row < rows else { throw FileFormatError(path, "file grew while it was read") }
                entries.append(table.insert(word).id)
                _ = UnsafeMutableBufferPointer(rebasing: values[(row * d)..<((row + 1) * d)]).update(fromContentsOf: vector)
            }
        }
        if entries.count < rows {
            // Blank lines were counted as rows: keep the filled ones.
            let trimmed = Tensor.zeros([entries.count, d])
            trimmed.withUnsafeMutableBufferPointer { target in
                matrix.withUnsafeBufferPointer { source in
                    _ = target.update(fromContentsOf: UnsafeBufferPointer(rebasing: source[..<(entries.count * d)]))
                }
            }
            matrix = trimmed
        }
        return WordVectors(table: table, wordOfRow: entries, matrix: matrix, path: path)
    }

    /// Lines in the file that can hold a vector (all but a header), counted by scanning for newlines.
    private func countLines() throws -> Int {
        var newlines = 0
        var lastByte: UInt8 = 0x0A
        try FileByteReader(path: path).forEachChunk { chunk in
            var position = chunk.baseAddress!
            let end = chunk.baseAddress! + chunk.count
            while position < end, let found = memchr(position, 0x0A, end - position) {
                newlines += 1
                position = UnsafeRawPointer(found) + 1
            }
            lastByte = chunk[chunk.count - 1]
        }
        let lines = newlines + (lastByte == 0x0A ? 0 : 1)
        return max(0, lines - (hasHeader ? 1 : 0))
    }
}
