import LemmaTensor

/// Pretrained word vectors that can be read one after another, in file order: every reader of
/// GloVe/word2vec text, word2vec binary, fastText and npy files is one. Matching a vocabulary against a
/// source streams it, so only the rows the vocabulary needs are ever kept.
public protocol EmbeddingSource {
    /// The file the vectors come from, for messages.
    var path: String { get }
    /// Length of every vector.
    var dimension: Int { get }
    /// Calls `body` with each word's UTF-8 bytes and its vector, in file order. Both buffers are valid only
    /// during the call. Throws `FileFormatError` at the first malformed entry.
    func forEachVector(_ body: (_ word: UnsafeRawBufferPointer, _ vector: UnsafeBufferPointer<Float>) throws -> Void) throws
}

/// How `WordVectorLookup.lookUp` found a vector.
public enum LookupOutcome: Sendable, Equatable {
    /// The word itself is in the source.
    case inVocabulary
    /// Built from the word's character n-grams (fastText's vectors for unknown words).
    case fromSubwords
    /// No vector; the destination is untouched.
    case missing
}

/// A source that can answer for a single word without a pass over the file (vectors in memory, memory-mapped
/// npy matrices, fastText models).
public protocol WordVectorLookup: EmbeddingSource {
    /// Whether the source can build vectors for words it has never seen (fastText can).
    var makesVectorsForUnknownWords: Bool { get }
    /// Writes the vector for `word` into `destination` (`dimension` floats). With `allowSubwords`, an unknown
    /// word gets a vector built from its subwords where the source can make one.
    func lookUp(_ word: String, into destination: UnsafeMutableBufferPointer<Float>, allowSubwords: Bool) -> LookupOutcome
}

extension WordVectorLookup {
    public var makesVectorsForUnknownWords: Bool { false }

    /// The vector for `word`, or nil when the source has none (see `lookUp`).
    public func vector(for word: String, allowSubwords: Bool = true) -> [Float]? {
        var result = [Float](repeating: 0, count: dimension)
        let outcome = result.withUnsafeMutableBufferPointer { lookUp(word, into: $0, allowSubwords: allowSubwords) }
        return outcome == .missing ? nil : result
    }
}
