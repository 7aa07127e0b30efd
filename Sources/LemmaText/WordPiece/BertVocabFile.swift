/// Reads BERT's vocab.txt: one token per line, the token's id being its line number counted from 0.
enum BertVocabFile {
    static func read(_ file: TextFile) throws -> [String] {
        var strings: [String] = []
        var seen = ByteStringTable(minimumCapacity: 32_000)
        try file.forEachLine { number, line in
            guard !line.isEmpty else { throw file.error(line: number, "expected a token, found an empty line") }
            let token = try file.string(line, number: number)
            if let earlier = seen.insert(line, value: Int32(number)) {
                throw file.error(line: number, "duplicate token \"\(token)\" (first on line \(seen.values[earlier]))")
            }
            strings.append(token)
        }
        guard !strings.isEmpty else { throw file.error(line: nil, "expected one token per line, found no tokens") }
        return strings
    }
}
