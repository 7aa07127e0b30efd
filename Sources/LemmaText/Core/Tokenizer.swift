/// What every tokenizer in Lemma offers; datasets, the `lemma tokenize` command and the task workflows use
/// tokenizers only through this protocol.
///
/// Ids are `Int32` because that is what `IndexTensor` stores. Tokens are compared by their exact Unicode
/// scalars (as Python and Rust do), never by Swift's canonical equivalence, so "é" and "e\u{301}" are
/// different tokens.
public protocol Tokenizer: Sendable {
    /// Number of ids, special tokens included: embedding tables need this many rows.
    var vocabularySize: Int { get }

    /// Ids of the special tokens this tokenizer has (nil where it has none).
    var specialTokenIDs: SpecialTokenIDs { get }

    /// The ids of `text`, with whatever special tokens the format adds by default (BERT: [CLS] … [SEP];
    /// the others: none).
    func encode(_ text: String) -> [Int32]

    /// `encode(text)` cut to `maxLength` ids and, if asked, padded to it, with the attention mask.
    func encode(_ text: String, maxLength: Int, padToMaxLength: Bool) -> EncodedText

    /// Text for `ids`. Throws `TokenizerError.unknownID` for an id outside the vocabulary. Lossless for
    /// GPT-2 (bytes); for the others it joins token strings as the format's decoder does.
    func decode(_ ids: [Int32]) throws -> String

    /// The token strings of `text`, without the special tokens `encode` adds.
    func tokens(_ text: String) -> [String]

    /// The id of one token string, if it is in the vocabulary.
    func id(forToken token: String) -> Int32?

    /// The token string of one id, if the id is in the vocabulary.
    func token(forID id: Int32) -> String?
}

extension Tokenizer {
    /// `encode(text, maxLength: maxLength, padToMaxLength: false)`.
    public func encode(_ text: String, maxLength: Int) -> EncodedText {
        encode(text, maxLength: maxLength, padToMaxLength: false)
    }

    /// Default: plain truncation of `encode(text)`, then padding with the pad id (or, like GPT-2 setups,
    /// the end-of-text id when there is no pad token, or 0); the mask is 0 on padding either way.
    public func encode(_ text: String, maxLength: Int, padToMaxLength: Bool) -> EncodedText {
        precondition(maxLength >= 0, "encode: maxLength must be >= 0, got \(maxLength)")
        let ids = Array(encode(text).prefix(maxLength))
        let padID = specialTokenIDs.pad ?? specialTokenIDs.eos ?? 0
        return EncodedText(ids: ids, padTo: padToMaxLength ? maxLength : ids.count, padID: padID)
    }
}

/// Ids of the special tokens of a vocabulary; nil where the vocabulary has no such token.
public struct SpecialTokenIDs: Sendable, Equatable {
    public var pad: Int32?
    public var unknown: Int32?
    /// Beginning and end of a sequence; for GPT-2 both are <|endoftext|>.
    public var bos: Int32?
    public var eos: Int32?
    /// BERT's [CLS], [SEP] and [MASK].
    public var cls: Int32?
    public var sep: Int32?
    public var mask: Int32?

    public init(pad: Int32? = nil, unknown: Int32? = nil, bos: Int32? = nil, eos: Int32? = nil,
                cls: Int32? = nil, sep: Int32? = nil, mask: Int32? = nil) {
        self.pad = pad
        self.unknown = unknown
        self.bos = bos
        self.eos = eos
        self.cls = cls
        self.sep = sep
        self.mask = mask
    }
}

/// Ids cut or padded to a fixed length, with the mask a model's attention needs (1 = token, 0 = padding).
public struct EncodedText: Sendable, Equatable {
    public var ids: [Int32]
    public var attentionMask: [Int32]
    /// Segment ids (all 0 for a single text), as BERT models take them.
    public var tokenTypeIDs: [Int32]

    public init(ids: [Int32], attentionMask: [Int32], tokenTypeIDs: [Int32]) {
        self.ids = ids
        self.attentionMask = attentionMask
        self.tokenTypeIDs = tokenTypeIDs
    }

    /// `ids` followed by `padID` up to `length` ids.
    init(ids: [Int32], padTo length: Int, padID: Int32) {
        let padding = max(0, length - ids.count)
        self.ids = ids + Array(repeating: padID, count: padding)
        attentionMask = Array(repeating: 1, count: ids.count) + Array(repeating: 0, count: padding)
        tokenTypeIDs = Array(repeating: 0, count: ids.count + padding)
    }
}
