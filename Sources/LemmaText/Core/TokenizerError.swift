/// A vocabulary or merges file that cannot be read: `description` is one line naming the file, the line
/// (where there is one) and what was expected there.
public struct TokenizerFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    /// 1-based line number, or nil when the problem is not on one line (a missing file, a missing entry).
    public let line: Int?
    public let message: String

    public init(path: String, line: Int?, _ message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}

/// Misuse of a loaded tokenizer with data it cannot map.
public enum TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An id that is not in the vocabulary (decoding model output with the wrong tokenizer, say).
    case unknownID(Int32, vocabularySize: Int)

    public var description: String {
        switch self {
        case let .unknownID(id, size): "unknown token id \(id): the vocabulary has ids 0..<\(size)"
        }
    }
}
