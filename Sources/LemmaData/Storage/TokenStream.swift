import Foundation
import LemmaTensor

/// A language-model corpus on disk: every document's token ids end to end, documents separated by the
/// end-of-text token, memory-mapped, at 2 bytes a token when the vocabulary fits in 16 bits (GPT-2's 50,257
/// does) and 4 otherwise. Opening costs nothing; training reads windows straight from the mapping, so a
/// corpus larger than memory trains in a few pages.
///
/// Layout of the directory:
///   tokens.u16 or tokens.u32   the ids, little-endian
///   meta.json                  `TokenStreamInfo`
public final class TokenStream {
    public let url: URL
    public let info: TokenStreamInfo
    private let tokens: MappedFile

    public init(url: URL) throws {
        self.url = url
        let metaURL = url.appendingPathComponent("meta.json")
        do {
            info = try JSONDecoder().decode(TokenStreamInfo.self, from: Data(contentsOf: metaURL))
        } catch let error as DecodingError {
            throw FileFormatError(metaURL.path, "is not a Lemma token stream description: \(error)")
        } catch {
            throw FileFormatError(metaURL.path, "cannot read: \(error.localizedDescription)")
        }
        guard info.formatVersion == TokenStreamInfo.currentVersion else {
            throw FileFormatError(metaURL.path, "format version \(info.formatVersion), this Lemma reads \(TokenStreamInfo.currentVersion)")
        }
        guard info.bytesPerToken == 2 || info.bytesPerToken == 4 else {
            throw FileFormatError(metaURL.path, "bytesPerToken must be 2 or 4, got \(info.bytesPerToken)")
        }
        tokens = try MappedFile(url.appendingPathComponent(info.fileName))
        guard tokens.byteCount == info.tokenCount * info.bytesPerToken else {
            throw FileFormatError(url.appendingPathComponent(info.fileName).path,
                                  "holds \(tokens.byteCount) bytes, meta.json says \(info.tokenCount) tokens of \(info.bytesPerToken) bytes: the stream is damaged; prepare it again")
        }
    }

    public var count: Int { info.tokenCount }

    /// Ids `range` of the stream.
    public func ids(_ range: Range<Int>) -> [Int32] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "TokenStream: \(range) is outside 0..<\(count)")
        if info.bytesPerToken == 2 {
            return tokens.buffer(of: UInt16.self)[range].map { Int32(UInt16(littleEndian: $0)) }
        }
        return tokens.buffer(of: UInt32.self)[range].map { Int32(bitPattern: UInt32(littleEndian: $0)) }
    }
}

/// What a token stream holds, stored as meta.json beside it.
public struct TokenStreamInfo: Codable, Equatable, Sendable {
    public static let currentVersion = 1
    public var formatVersion = TokenStreamInfo.currentVersion
    public var tokenCount: Int
    public var documentCount: Int
    public var bytesPerToken: Int
    /// How the text was tokenized, so training can check it uses the same.
    public var tokenizer: String
    public var vocabularySize: Int
    /// Where the documents came from.
    public var source: String

    public var fileName: String { bytesPerToken == 2 ? "tokens.u16" : "tokens.u32" }
}

/// Writes a `TokenStream` as ids arrive, in constant memory; nothing appears at the destination until
/// `finish()` moves the complete directory into place.
public final class TokenStreamWriter {
    public let destination: URL
    let bytesPerToken: Int
    private let directory: StagingDirectory
    private let file: BufferedFile
    public private(set) var tokenCount = 0
    public private(set) var documentCount = 0

    public init(destination: URL, vocabularySize: Int) throws {
        self.destination = destination
        bytesPerToken = vocabularySize <= 1 << 16 ? 2 : 4
        directory = try StagingDirectory(for: destination)
        file = try BufferedFile(directory.file(bytesPerToken == 2 ? "tokens.u16" : "tokens.u32"))
    }

    public func append(_ ids: [Int32]) throws {
        if bytesPerToken == 2 {
            try file.append(contentsOf: ids.map { UInt16(truncatingIfNeeded: $0).littleEndian })
        } else {
            try file.append(contentsOf: ids.map { UInt32(bitPattern: $0).littleEndian })
        }
        tokenCount += ids.count
    }

    /// Ends a document: appends its separator (GPT-2's `<|endoftext|>`) and counts it.
    public func endDocument(separator: Int32) throws {
        try append([separator])
        documentCount += 1
    }

    /// Flushes to disk and moves the stream into place, replacing any earlier one.
    @discardableResult
    public func finish(tokenizer: String, vocabularySize: Int, source: String) throws -> TokenStreamInfo {
        try file.close()
        let info = TokenStreamInfo(tokenCount: tokenCount, documentCount: documentCount, bytesPerToken: bytesPerToken,
                                   tokenizer: tokenizer, vocabularySize: vocabularySize, source: source)
        try directory.finish(meta: info, what: "token stream")
        return info
    }
}
