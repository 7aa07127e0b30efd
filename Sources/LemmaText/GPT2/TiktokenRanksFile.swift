/// Reads a tiktoken ranks file: one token per line, its bytes in base64, a space, its rank (which is
/// also its id). Empty lines are skipped, as tiktoken does.
enum TiktokenRanksFile {
    static func read(_ file: TextFile) throws -> ByteStringTable {
        var tokens = ByteStringTable(minimumCapacity: 60_000)
        var lineForRank: [Int: Int] = [:]
        try file.forEachLine { number, line in
            if line.isEmpty { return }
            let fields = line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
            guard fields.count == 2 else {
                throw file.error(line: number, "expected '<base64 token> <rank>', found \(fields.count) field(s)")
            }
            guard let bytes = Base64.decode(fields[0]), !bytes.isEmpty else {
                throw file.error(line: number, "expected a base64 token, found '\(String(decoding: fields[0].prefix(40), as: UTF8.self))'")
            }
            guard let rank = Int32(String(decoding: fields[1], as: UTF8.self)), rank >= 0 else {
                throw file.error(line: number, "expected a rank (an integer 0...\(Int32.max)), found '\(String(decoding: fields[1].prefix(40), as: UTF8.self))'")
            }
            if let earlier = lineForRank[Int(rank)] {
                throw file.error(line: number, "rank \(rank) is already given to the token on line \(earlier)")
            }
            if let existing = tokens.insert(bytes, value: rank) {
                throw file.error(line: number, "token \(ByteLevelAlphabet.string(for: bytes)) is already listed with rank \(tokens.values[existing])")
            }
            lineForRank[Int(rank)] = number
        }
        guard tokens.count > 0 else { throw file.error(line: nil, "expected '<base64 token> <rank>' lines, found none") }
        return tokens
    }
}
