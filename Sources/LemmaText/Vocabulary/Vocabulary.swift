import Foundation

/// Token strings numbered 0..<count, for the word, character and LaTeX tokenizers. Special tokens
/// (`<pad>`, `<unk>`, optional `<bos>`, `<eos>`) come first when Lemma builds a vocabulary.
///
/// Tokens are told apart by their exact Unicode scalars (as in Python), not by Swift's canonical
/// equivalence.
public struct Vocabulary: Sendable {
    public static let pad = "<pad>"
    public static let unknown = "<unk>"
    public static let bos = "<bos>"
    public static let eos = "<eos>"
    /// `<pad>` then `<unk>`: what a vocabulary for padded batches with out-of-vocabulary words needs.
    public static let defaultSpecialTokens = [pad, unknown]

    /// Token of each id.
    public let tokens: [String]
    /// Corpus frequency of each token where known (building, or a count column in the file); else 0.
    public let counts: [Int]
    private let ids: ByteStringTable

    /// A vocabulary of `tokens` in this order. Duplicates are a programming error.
    public init(tokens: [String], counts: [Int]? = nil) {
        precondition(counts == nil || counts!.count == tokens.count, "Vocabulary: \(tokens.count) tokens but \(counts!.count) counts")
        var ids = ByteStringTable(minimumCapacity: tokens.count)
        for (id, token) in tokens.enumerated() {
            if let earlier = ids.insert(token.utf8, value: Int32(id)) {
                preconditionFailure("Vocabulary: duplicate token \(token.debugDescription) at ids \(earlier) and \(id)")
            }
        }
        self.tokens = tokens
        self.counts = counts ?? Array(repeating: 0, count: tokens.count)
        self.ids = ids
    }

    public var count: Int { tokens.count }

    public func id(_ token: String) -> Int32? {
        ids.value(for: token.utf8)
    }

    public func token(_ id: Int32) -> String? {
        id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : nil
    }

    /// Ids of the special tokens this vocabulary has, found by their standard names.
    public var specialTokenIDs: SpecialTokenIDs {
        SpecialTokenIDs(pad: id(Self.pad), unknown: id(Self.unknown), bos: id(Self.bos), eos: id(Self.eos))
    }

    /// A vocabulary from counted tokens: `specialTokens` first, then every other token seen at least
    /// `minFrequency` times, most frequent first, ties in code-point order of the token; at most
    /// `maxSize` tokens in all (special tokens included).
    public init(counts counter: TokenCounter, minFrequency: Int = 1, maxSize: Int? = nil,
                specialTokens: [String] = Vocabulary.defaultSpecialTokens) {
        let special = Set(specialTokens.map { Array($0.utf8) })
        // UTF-8 byte order is code-point order.
        var ranked = counter.entries.filter { $0.count >= minFrequency && !special.contains(Array($0.token.utf8)) }
            .map { (token: $0.token, count: $0.count, key: Array($0.token.utf8)) }
        ranked.sort { a, b in a.count != b.count ? a.count > b.count : a.key.lexicographicallyPrecedes(b.key) }
        if let maxSize { ranked = Array(ranked.prefix(max(0, maxSize - specialTokens.count))) }
        self.init(tokens: specialTokens + ranked.map(\.token),
                  counts: Array(repeating: 0, count: specialTokens.count) + ranked.map(\.count))
    }
}
