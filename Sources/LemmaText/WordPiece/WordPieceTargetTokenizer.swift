/// A WordPiece vocabulary on a decoder's side, as Hugging Face's BERT-to-BERT encoder–decoders use one:
/// [CLS] starts a decoded sequence and [SEP] ends it (they are its `bos` and `eos`), and `encode` gives the
/// pieces alone, since the decoder adds its own start and end tokens around them.
public struct WordPieceTargetTokenizer: Tokenizer {
    public let wordPiece: WordPieceTokenizer

    public init(_ wordPiece: WordPieceTokenizer) { self.wordPiece = wordPiece }

    public var vocabularySize: Int { wordPiece.vocabularySize }

    public var specialTokenIDs: SpecialTokenIDs {
        var ids = wordPiece.specialTokenIDs
        ids.bos = ids.cls
        ids.eos = ids.sep
        return ids
    }

    public func encode(_ text: String) -> [Int32] { wordPiece.encode(text, addSpecialTokens: false) }

    /// Special tokens are left out, as for any WordPiece text.
    public func decode(_ ids: [Int32]) throws -> String { try wordPiece.decode(ids) }

    public func tokens(_ text: String) -> [String] { wordPiece.tokens(text) }

    public func id(forToken token: String) -> Int32? { wordPiece.id(forToken: token) }

    public func token(forID id: Int32) -> String? { wordPiece.token(forID: id) }
}
