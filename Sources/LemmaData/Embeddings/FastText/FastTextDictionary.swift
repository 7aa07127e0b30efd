import LemmaTensor

/// The dictionary block of a fastText `.bin` model: `size`, `nwords`, `nlabels` (int32), `ntokens` and
/// `pruneidx_size` (int64), then each entry as its NUL-terminated bytes, an int64 count and an int8 type
/// (0 word, 1 label; words first), then `pruneidx_size` pairs of int32 when the model was pruned.
struct FastTextDictionary {
    /// Longest entry accepted.
    static let maxWordBytes = 1 << 20

    let wordCount: Int
    let labelCount: Int
    let tokenCount: Int64
    /// -1 unless the model was pruned by quantization.
    let pruneSize: Int64
    let counts: [Int64]
    private let table: WordTable
    /// Entry → its word in `table`, and word → entry (the last one with those bytes, as fastText's
    /// lookup finds).
    private let entryWord: [Int]
    private let entryOfWord: [Int]

    init(_ cursor: inout BinaryCursor) throws {
        let start = cursor.offset
        let size = try cursor.int32("dictionary size")
        let nwords = try cursor.int32("dictionary nwords")
        let nlabels = try cursor.int32("dictionary nlabels")
        tokenCount = try cursor.int64("dictionary ntokens")
        pruneSize = try cursor.int64("dictionary pruneidx_size")
        guard size >= 0, nwords >= 0, nlabels >= 0, nwords + nlabels == size else {
            throw cursor.error("dictionary has size \(size) but \(nwords) words and \(nlabels) labels", at: start)
        }
        // Every entry takes at least 10 bytes: a NUL, the count and the type.
        guard size <= cursor.remaining / 10 else {
            throw cursor.error("dictionary declares \(size) entries, more than the rest of the file can hold", at: start)
        }
        var table = WordTable(capacity: size)
        var counts: [Int64] = []
        counts.reserveCapacity(size)
        var entryWord: [Int] = []
        entryWord.reserveCapacity(size)
        for i in 0..<size {
            let entryStart = cursor.offset
            let word = try cursor.cString("dictionary entry \(i)", maxLength: Self.maxWordBytes)
            try requireUTF8(word, path: cursor.path, at: "byte \(entryStart), dictionary entry \(i)")
            counts.append(try cursor.int64("the count of dictionary entry \(i)"))
            let type = try cursor.uint8("the type of dictionary entry \(i)")
            let expected: UInt8 = i < nwords ? 0 : 1
            guard type == expected else {
                throw cursor.error("dictionary entry \(i) has type \(type), expected \(expected) (\(expected == 0 ? "word" : "label"): words come first, \(nwords) of them)", at: cursor.offset - 1)
            }
            entryWord.append(table.insert(word).id)
        }
        guard pruneSize >= -1, pruneSize <= Int64(cursor.remaining / 8) else {
            throw cursor.error("pruned-index size \(pruneSize) is negative or larger than the rest of the file", at: start + 20)
        }
        // The pairs map hashed n-gram rows to the rows a pruned model kept; only quantized models have them.
        cursor.offset += max(0, Int(pruneSize)) * 8

        var entryOfWord = [Int](repeating: 0, count: table.count)
        for (entry, id) in entryWord.enumerated() { entryOfWord[id] = entry }
        wordCount = nwords
        labelCount = nlabels
        self.counts = counts
        self.table = table
        self.entryWord = entryWord
        self.entryOfWord = entryOfWord
    }

    var isPruned: Bool { pruneSize >= 0 }

    /// The entry with exactly these bytes.
    func entry(of word: UnsafeRawBufferPointer) -> Int? { table.find(word).map { entryOfWord[$0] } }

    func word(at entry: Int) -> String { table.word(at: entryWord[entry]) }

    func withBytes<R>(of entry: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try table.withBytes(of: entryWord[entry], body)
    }
}
