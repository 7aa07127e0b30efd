/// The vocabulary as a list of merges (OpenAI's vocab.bpe, Hugging Face's merges.txt): a tiktoken ranks file
/// holds only tokens and ranks, so each multi-byte token's merge is recovered by merging its bytes with every
/// lower rank — the two parts that leaves are the pair whose merge made it.
extension BytePairVocabulary {
    struct UnlistableVocabulary: Error, CustomStringConvertible {
        let description: String
    }

    /// (left, right) ids of the merge that makes each multi-byte token, in rank order. Throws when the ranks do
    /// not have vocab.bpe's shape: the 256 single bytes first in its byte order, then one token per merge.
    func mergeList() throws -> [(left: Int32, right: Int32)] {
        for (rank, byte) in ByteLevelAlphabet.bytesInRankOrder.enumerated() where byteRanks[Int(byte)] != Int32(rank) {
            throw UnlistableVocabulary(description: "byte 0x\(String(byte, radix: 16)) has rank \(byteRanks[Int(byte)]), not \(rank) as vocab.bpe numbers the single bytes")
        }
        var merges: [(left: Int32, right: Int32)] = []
        merges.reserveCapacity(entryForRank.count - 256)
        var parts: [Int32] = []
        for rank in 256..<entryForRank.count {
            let entry = Int(entryForRank[rank])
            guard entry >= 0 else { throw UnlistableVocabulary(description: "no token has rank \(rank); merges must number the tokens without gaps") }
            let bytes = Array(tokens.key(at: entry))
            parts.removeAll(keepingCapacity: true)
            bytes.withUnsafeBufferPointer { mergeByScanning($0, into: &parts, below: Int32(rank)) }
            guard parts.count == 2, pairs.rank(parts[0], parts[1]) == Int32(rank) else {
                throw UnlistableVocabulary(description: "token of rank \(rank) is not the merge of two lower-ranked tokens")
            }
            merges.append((parts[0], parts[1]))
        }
        return merges
    }
}
