import LemmaTensor

/// Word vectors held in memory: the words in file order and a `[count, dimension]` matrix whose row `i`
/// is the vector of `words[i]`. A word that appears twice keeps both rows; lookups find the first.
public final class WordVectors: WordVectorLookup {
    public let path: String
    /// `[count, dimension]`, row `i` for word `i`.
    public let matrix: Tensor
    private let table: WordTable
    /// Matrix row → word number in `table`, and word number → its first row.
    private let entryWords: [Int]
    private let rowOfWord: [Int]

    /// Takes ownership of `matrix`; `words.count` must equal its number of rows.
    public convenience init(words: [String], matrix: Tensor, path: String = "<memory>") {
        precondition(matrix.rank == 2 && matrix.shape[0] == words.count,
                     "WordVectors: \(words.count) words for a matrix of shape \(matrix.shape)")
        var table = WordTable(capacity: words.count)
        var rows: [Int] = []
        rows.reserveCapacity(words.count)
        for word in words { rows.append(table.insert(word).id) }
        self.init(table: table, wordOfRow: rows, matrix: matrix, path: path)
    }

    /// `wordOfRow[i]` is the number (in `table`) of the word of matrix row `i`.
    init(table: WordTable, wordOfRow: [Int], matrix: Tensor, path: String) {
        self.path = path
        self.matrix = matrix
        self.table = table
        // Invert: the first row of each distinct word.
        var first = [Int](repeating: -1, count: table.count)
        for (row, id) in wordOfRow.enumerated() where first[id] < 0 { first[id] = row }
        self.rowOfWord = first
        entryWords = wordOfRow
    }

    public var count: Int { matrix.shape[0] }
    public var dimension: Int { matrix.shape[1] }

    /// The words, one per matrix row.
    public var words: [String] { entryWords.map { table.word(at: $0) } }

    /// The first row holding `word`, matched byte for byte.
    public func row(of word: String) -> Int? { table.find(word).map { rowOfWord[$0] } }

    public func lookUp(_ word: String, into destination: UnsafeMutableBufferPointer<Float>, allowSubwords: Bool) -> LookupOutcome {
        guard let row = row(of: word) else { return .missing }
        matrix.withUnsafeBufferPointer { values in
            for j in 0..<dimension { destination[j] = values[row * dimension + j] }
        }
        return .inVocabulary
    }

    public func forEachVector(_ body: (UnsafeRawBufferPointer, UnsafeBufferPointer<Float>) throws -> Void) throws {
        let d = dimension
        try matrix.withUnsafeBufferPointer { values in
            for (row, id) in entryWords.enumerated() {
                try table.withBytes(of: id) { word in
                    try body(word, UnsafeBufferPointer(rebasing: values[(row * d)..<((row + 1) * d)]))
                }
            }
        }
    }
}
