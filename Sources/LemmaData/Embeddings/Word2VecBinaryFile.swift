import Foundation
import LemmaTensor

/// A word2vec binary file (`-binary 1`): an ASCII header `count dim\n`, then for each word its bytes, a
/// space, `dim` little-endian float32 and usually a newline. Streamed; the header is checked against the
/// file size before anything is allocated from it.
public final class Word2VecBinaryFile: EmbeddingSource {
    public let path: String
    public let count: Int
    public let dimension: Int
    private let headerBytes: Int

    /// Longest word accepted (word2vec itself stops at 100 bytes; gensim has no limit).
    public static let maxWordBytes = 1 << 16

    public init(path: String) throws {
        self.path = path
        let reader = try FileByteReader(path: path)
        var header: [UInt8] = []
        while true {
            guard let byte = try reader.readByte() else {
                throw FileFormatError(path, "byte \(reader.offset): file ends inside the header (expected `count dimension` and a newline)")
            }
            if byte == 0x0A { break }
            header.append(byte)
            guard header.count <= 64 else { throw FileFormatError(path, "byte 0: header line is longer than 64 bytes; expected `count dimension`") }
        }
        let fields = header.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
        func integer(_ field: ArraySlice<UInt8>) -> Int? {
            guard !field.isEmpty, field.count <= 18, field.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return field.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        guard fields.count == 2, let count = integer(fields[0]), let dimension = integer(fields[1]), dimension > 0 else {
            throw FileFormatError(path, "byte 0: expected a header `count dimension` with a positive dimension, found '\(String(decoding: header.prefix(40), as: UTF8.self))'")
        }
        headerBytes = header.count + 1
        // Each entry holds at least one byte of word, a space and the floats.
        let entryMinimum = dimension.multipliedReportingOverflow(by: 4).partialValue + 2
        guard dimension <= reader.fileSize / 4, count <= (reader.fileSize - headerBytes) / entryMinimum else {
            throw FileFormatError(path, "byte 0: header declares \(count) vectors of dimension \(dimension), more than the \(reader.fileSize)-byte file can hold")
        }
        self.count = count
        self.dimension = dimension
    }

    public func forEachVector(_ body: (UnsafeRawBufferPointer, UnsafeBufferPointer<Float>) throws -> Void) throws {
        let reader = try FileByteReader(path: path)
        _ = try reader.skip(headerBytes)
        var word: [UInt8] = []
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 * dimension, alignment: 16)
        let vector = UnsafeMutableBufferPointer<Float>.allocate(capacity: dimension)
        defer {
            raw.deallocate()
            vector.deallocate()
        }
        for index in 0..<count {
            let start = reader.offset
            word.removeAll(keepingCapacity: true)
            while true {
                guard let byte = try reader.readByte() else {
                    throw FileFormatError(path, "byte \(reader.offset): file ends inside word \(index + 1) of \(count)")
                }
                if byte == 0x20 { break }
                // Writers put a newline after each vector; readers skip it before the next word.
                if byte == 0x0A, word.isEmpty { continue }
                word.append(byte)
                guard word.count <= Self.maxWordBytes else {
                    throw FileFormatError(path, "byte \(start): word \(index + 1) is longer than \(Self.maxWordBytes) bytes (no space before its vector)")
                }
            }
            guard !word.isEmpty else { throw FileFormatError(path, "byte \(start): word \(index + 1) is empty") }
            try word.withUnsafeBytes { try requireUTF8($0, path: path, at: "byte \(start), word \(index + 1)") }
            let vectorStart = reader.offset
            guard try reader.read(into: raw) else {
                throw FileFormatError(path, "byte \(reader.offset): file ends inside the vector of word \(index + 1) of \(count) (expected \(4 * dimension) bytes from byte \(vectorStart))")
            }
            for j in 0..<dimension {
                let value = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * j, as: UInt32.self)))
                guard value.isFinite else {
                    throw FileFormatError(path, "byte \(vectorStart + 4 * j): value \(j + 1) of word \(index + 1) is not finite")
                }
                vector[j] = value
            }
            try word.withUnsafeBytes { try body($0, UnsafeBufferPointer(vector)) }
        }
        // After the last vector only whitespace may follow.
        while let byte = try reader.readByte() {
            guard byte == 0x0A || byte == 0x20 || byte == 0x0D else {
                throw FileFormatError(path, "byte \(reader.offset - 1): unexpected data after the \(count) vectors the header declares")
            }
        }
    }

    /// All vectors in memory, in one `[count, dimension]` matrix.
    public func readAll() throws -> WordVectors {
        let matrix = Tensor.zeros([count, dimension])
        var table = WordTable(capacity: count)
        var entries: [Int] = []
        entries.reserveCapacity(count)
        let d = dimension
        try matrix.withUnsafeMutableBufferPointer { values in
            try forEachVector { word, vector in
                let row = entries.count
                entries.append(table.insert(word).id)
                _ = UnsafeMutableBufferPointer(rebasing: values[(row * d)..<((row + 1) * d)]).update(fromContentsOf: vector)
            }
        }
        return WordVectors(table: table, wordOfRow: entries, matrix: matrix, path: path)
    }
}
