/// Counts tokens, keyed by their exact bytes, on the way to a `Vocabulary`.
public struct TokenCounter: Sendable {
    private var table = ByteStringTable(minimumCapacity: 1024)
    private var tokens: [String] = []
    private var counts: [Int] = []

    public init() {}

    public mutating func add(_ newTokens: some Sequence<String>) {
        for token in newTokens {
            var token = token
            let index = token.withUTF8 { table.index(of: $0) }
            if let index {
                counts[index] += 1
            } else {
                table.insert(token.utf8, value: 0)
                tokens.append(token)
                counts.append(1)
            }
        }
    }

    /// Number of distinct tokens seen.
    public var distinctCount: Int { tokens.count }

    public func count(of token: String) -> Int {
        Array(token.utf8).withUnsafeBufferPointer { table.index(of: $0) }.map { counts[$0] } ?? 0
    }

    /// Tokens with their counts, in the order first seen.
    public var entries: [(token: String, count: Int)] {
        Array(zip(tokens, counts)).map { (token: $0.0, count: $0.1) }
    }
}
