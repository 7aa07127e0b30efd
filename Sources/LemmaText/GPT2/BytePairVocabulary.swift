/// A byte-level BPE vocabulary as tiktoken defines it: every token is a byte string whose id is also its
/// merge rank (lower merges first), plus special tokens outside the ranks.
///
/// Merging needs "which token, if any, is left + right": `pairs` answers that for every pair of tokens
/// whose concatenation is a token, so the merge loop works on ids and never rebuilds byte strings.
final class BytePairVocabulary: Sendable {
    let tokens: ByteStringTable
    let pairs: PairTable
    /// Rank of each single byte (all 256 must be tokens).
    let byteRanks: [Int32]
    /// Entry index in `tokens` for each rank, -1 where no token has that rank.
    let entryForRank: [Int32]
    let specialTokens: [(text: [UInt8], id: Int32)]

    /// Ids 0..<vocabularySize cover every rank and special token.
    var vocabularySize: Int {
        max(entryForRank.count, Int((specialTokens.map(\.id).max() ?? -1) + 1))
    }

    /// Builds the tables from tokens whose bytes and ranks the loaders already checked for duplicates.
    /// Throws (naming `file`) if a single byte is missing or a special token reuses a rank.
    init(tokens: ByteStringTable, specialTokens: [String: Int32], file: TextFile) throws {
        self.tokens = tokens
        var byteRanks = [Int32](repeating: -1, count: 256)
        var maxRank: Int32 = -1
        for entry in 0..<tokens.count {
            let rank = tokens.values[entry]
            maxRank = max(maxRank, rank)
            let key = tokens.key(at: entry)
            if key.count == 1 { byteRanks[Int(key.first!)] = rank }
        }
        if let missing = byteRanks.firstIndex(of: -1) {
            throw file.error(line: nil, "no token for the single byte 0x\(String(missing, radix: 16)); a byte-level BPE vocabulary needs all 256")
        }
        self.byteRanks = byteRanks

        var entryForRank = [Int32](repeating: -1, count: Int(maxRank) + 1)
        for entry in 0..<tokens.count { entryForRank[Int(tokens.values[entry])] = Int32(entry) }
        self.entryForRank = entryForRank

        var special: [(text: [UInt8], id: Int32)] = []
        for (text, id) in specialTokens.sorted(by: { $0.value < $1.value }) {
            guard id >= 0 else { throw file.error(line: nil, "special token \(text) has negative id \(id)") }
            if Int(id) < entryForRank.count && entryForRank[Int(id)] >= 0 {
                throw file.error(line: nil, "special token \(text) has id \(id), which is already the rank of an ordinary token")
            }
            guard !text.isEmpty else { throw file.error(line: nil, "a special token is the empty string") }
            special.append((Array(text.utf8), id))
        }
        self.specialTokens = special

        var pairs = PairTable(minimumCapacity: tokens.count * 2)
        tokens.keyBytes.withUnsafeBufferPointer { bytes in
            for entry in 0..<tokens.count {
                let start = tokens.keyStarts[entry], end = tokens.keyStarts[entry + 1]
                guard end - start >= 2 else { continue }
                for split in start + 1..<end {
                    guard let left = tokens.value(for: UnsafeBufferPointer(rebasing: bytes[start..<split])),
                          let right = tokens.value(for: UnsafeBufferPointer(rebasing: bytes[split..<end]))
                    else { continue }
                    pairs.insert(left, right, merged: tokens.values[entry])
                }
            }
        }
        self.pairs = pairs
    }

    /// The bytes of an ordinary token or special token, or nil for an unknown id.
    func bytes(forID id: Int32) -> ArraySlice<UInt8>? {
        if id >= 0 && Int(id) < entryForRank.count && entryForRank[Int(id)] >= 0 {
            return tokens.key(at: Int(entryForRank[Int(id)]))
        }
        return specialTokens.first { $0.id == id }.map { $0.text[...] }
    }
}
