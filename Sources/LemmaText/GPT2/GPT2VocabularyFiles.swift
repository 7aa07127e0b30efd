/// Reads OpenAI's original GPT-2 files: `vocab.bpe` (the merges, in order) and `encoder.json` (token
/// string → id), both writing bytes with the stand-ins of `ByteLevelAlphabet`.
///
/// Ranks follow from vocab.bpe: the 256 single bytes first (in stand-in order), then one new token per
/// merge line. encoder.json must give every such token the same id, as tiktoken checks; its other entries
/// (`<|endoftext|>`) are the special tokens.
enum GPT2VocabularyFiles {
    static func read(encoder encoderFile: TextFile, merges mergesFile: TextFile) throws -> (tokens: ByteStringTable, special: [String: Int32]) {
        let tokens = try readMerges(mergesFile)

        guard let members = try encoderFile.json().members else {
            throw encoderFile.error(line: 1, "expected a JSON object of token string → id")
        }
        var special: [String: Int32] = [:]
        var seen = [Bool](repeating: false, count: tokens.count)
        for member in members {
            guard let id = member.value.integer, let id32 = Int32(exactly: id), id32 >= 0 else {
                throw encoderFile.error(line: member.line, "expected a non-negative integer id for token \"\(member.key)\"")
            }
            if let bytes = ByteLevelAlphabet.bytes(for: member.key), let entry = bytes.withUnsafeBufferPointer({ tokens.index(of: $0) }) {
                let rank = tokens.values[entry]
                guard rank == id32 else {
                    throw encoderFile.error(line: member.line, "token \"\(member.key)\" has id \(id), but vocab.bpe makes it rank \(rank)")
                }
                guard !seen[entry] else { throw encoderFile.error(line: member.line, "token \"\(member.key)\" is listed twice") }
                seen[entry] = true
            } else if member.key.hasPrefix("<|") && member.key.hasSuffix("|>") {
                guard special[member.key] == nil else { throw encoderFile.error(line: member.line, "token \"\(member.key)\" is listed twice") }
                special[member.key] = id32
            } else {
                throw encoderFile.error(line: member.line, "token \"\(member.key)\" is neither a byte, a merge of vocab.bpe, nor a special <|…|> token")
            }
        }
        if let missing = seen.firstIndex(of: false) {
            let token = ByteLevelAlphabet.string(for: tokens.key(at: missing))
            throw encoderFile.error(line: nil, "has no id for token \"\(token)\" (rank \(tokens.values[missing]) in vocab.bpe)")
        }
        return (tokens, special)
    }

    /// Ranks from vocab.bpe: "#version: …" first (optional), then "<left> <right>" per line.
    static func readMerges(_ file: TextFile) throws -> ByteStringTable {
        var tokens = ByteStringTable(minimumCapacity: 60_000)
        for byte in ByteLevelAlphabet.bytesInRankOrder {
            tokens.insert([byte], value: Int32(tokens.count))
        }
        try file.forEachLine { number, line in
            if line.isEmpty || (number == 1 && line.starts(with: Array("#version".utf8))) { return }
            let text = try file.string(line, number: number)
            let parts = text.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw file.error(line: number, "expected '<left> <right>' (two tokens separated by one space), found '\(text.prefix(60))'")
            }
            guard let left = ByteLevelAlphabet.bytes(for: String(parts[0])), let right = ByteLevelAlphabet.bytes(for: String(parts[1])) else {
                throw file.error(line: number, "'\(text.prefix(60))' has a character outside GPT-2's byte alphabet")
            }
            guard let existing = tokens.insert(left + right, value: Int32(tokens.count)) else { return }
            throw file.error(line: number, "merge '\(text)' makes token \"\(String(parts[0]) + String(parts[1]))\", which already has rank \(tokens.values[existing])")
        }
        return tokens
    }
}
