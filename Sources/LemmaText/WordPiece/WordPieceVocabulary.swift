/// A WordPiece vocabulary and BERT's greedy longest-match-first split of one word into pieces.
final class WordPieceVocabulary: Sendable {
    /// Token bytes → id, for the first piece of a word.
    let tokens: ByteStringTable
    /// Tokens that start with the continuation prefix, keyed without it, for the later pieces.
    let continuations: ByteStringTable
    /// Token string of each id.
    let strings: [String]
    let continuationPrefix: String
    let unknownID: Int32
    let maxInputCharsPerWord: Int
    /// Special tokens: found in the input text before normalization and left out by `decode`.
    let specialTokens: [(text: [UInt8], id: Int32)]

    /// `strings[id]` is the token of id `id`; the caller has checked there are no duplicates.
    init(strings: [String], unknownID: Int32, specialTokens: [String: Int32], continuationPrefix: String = "##",
         maxInputCharsPerWord: Int = 100) {
        var tokens = ByteStringTable(minimumCapacity: strings.count)
        var continuations = ByteStringTable(minimumCapacity: strings.count / 4)
        let prefix = Array(continuationPrefix.utf8)
        for (id, string) in strings.enumerated() {
            let bytes = Array(string.utf8)
            tokens.insert(bytes, value: Int32(id))
            if !prefix.isEmpty && bytes.count > prefix.count && bytes.starts(with: prefix) {
                continuations.insert(bytes[prefix.count...], value: Int32(id))
            }
        }
        self.tokens = tokens
        self.continuations = continuations
        self.strings = strings
        self.continuationPrefix = continuationPrefix
        self.unknownID = unknownID
        self.maxInputCharsPerWord = maxInputCharsPerWord
        self.specialTokens = specialTokens.sorted { $0.value < $1.value }.map { (Array($0.key.utf8), $0.value) }
    }

    /// Appends the pieces of one word: at each position the longest vocabulary entry that matches
    /// (continuation entries after the first piece). If some position matches nothing, or the word has
    /// more than `maxInputCharsPerWord` characters (Unicode scalars), the whole word is [UNK].
    func appendPieces(of word: String, to output: inout [Int32]) {
        var word = word
        word.withUTF8 { bytes in
            var boundaries = [0]
            var i = 0
            while i < bytes.count {
                i += utf8Width(bytes[i])
                boundaries.append(i)
            }
            let scalarCount = boundaries.count - 1
            guard scalarCount > 0 else { return }
            if scalarCount > maxInputCharsPerWord {
                output.append(unknownID)
                return
            }
            let first = output.count
            var start = 0
            while start < scalarCount {
                let table = start == 0 ? tokens : continuations
                var end = scalarCount
                var match: Int32?
                while end > start {
                    if let id = table.value(for: UnsafeBufferPointer(rebasing: bytes[boundaries[start]..<boundaries[end]])) {
                        match = id
                        break
                    }
                    end -= 1
                }
                guard let match else {
                    output.removeSubrange(first...)
                    output.append(unknownID)
                    return
                }
                output.append(match)
                start = end
            }
        }
    }

    private func utf8Width(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }
}
