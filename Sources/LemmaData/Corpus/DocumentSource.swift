import Foundation
import LemmaTensor
import LemmaText

/// The documents of a language-model corpus, streamed in pieces of about a megabyte so a corpus of any size
/// is read in constant memory (seed 001's encoder needed 48 GB for 1.7 GB of text). A path names a text
/// file (one document), a directory (every non-hidden file below it, in sorted order, each a document), a
/// glob (`corpus/*.txt`), or a JSON Lines file (one document per line, in the field `textField`). Invalid
/// UTF-8 is an error naming the file and the byte offset.
public struct DocumentSource: Sendable, Equatable {
    public var path: String
    public var textField: String
    /// Bytes per piece handed to the tokenizer (cut where the tokenization does not change; see TextChunking).
    public var pieceBytes: Int

    public init(path: String, textField: String = "text", pieceBytes: Int = 1 << 20) {
        self.path = path
        self.textField = textField
        self.pieceBytes = pieceBytes
    }

    /// What the reader hands on: text, and where a document ends.
    public enum Piece: Equatable {
        case text(String)
        case endOfDocument
    }

    /// The files the path names, in order.
    public func files() throws -> [String] {
        if path.contains(where: { "*?[".contains($0) }) {
            var matches = glob_t()
            defer { globfree(&matches) }
            let status = glob(path, 0, nil, &matches)
            guard status == 0 else { throw FileFormatError(path, status == GLOB_NOMATCH ? "the pattern matches no file" : "cannot expand the pattern") }
            let found = (0..<Int(matches.gl_pathc)).compactMap { matches.gl_pathv[$0].map { String(cString: $0) } }
            return try found.sorted().flatMap { try DocumentSource(path: $0).files() }
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileFormatError(path, "no such file or directory")
        }
        guard isDirectory.boolValue else { return [path] }
        guard let walker = FileManager.default.enumerator(at: URL(fileURLWithPath: path), includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else {
            throw FileFormatError(path, "cannot list the directory")
        }
        var files: [String] = []
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            files.append(url.path)
        }
        guard !files.isEmpty else { throw FileFormatError(path, "the directory holds no files") }
        return files.sorted()
    }

    /// Calls `visit` with every document's text, piece by piece, each document followed by `.endOfDocument`.
    public func read(_ visit: (Piece) throws -> Void) throws {
        for file in try files() {
            if file.lowercased().hasSuffix(".jsonl") {
                let reader = try JSONLinesExampleReader(path: file, textField: textField, labelField: nil)
                while let example = try reader.next() {
                    try visit(.text(example.text))
                    try visit(.endOfDocument)
                }
            } else {
                try readText(file, visit)
                try visit(.endOfDocument)
            }
        }
    }

    func readText(_ file: String, _ visit: (Piece) throws -> Void) throws {
        let reader = try FileByteReader(path: file, bufferSize: 2 * pieceBytes + 16)
        var atEnd = false
        while true {
            while !atEnd, reader.available.count <= pieceBytes {
                if try !reader.fill() { atEnd = true }
            }
            let bytes = reader.available
            if bytes.isEmpty { return }
            var cut = bytes.count
            if !atEnd || bytes.count > pieceBytes {
                cut = TextChunking.safeCut(bytes, limit: pieceBytes) ?? TextChunking.characterBoundary(bytes, limit: pieceBytes)
                if cut == 0 { cut = min(pieceBytes, bytes.count) }  // no character starts in range: not UTF-8, caught below
            }
            let piece = UnsafeRawBufferPointer(rebasing: bytes[0..<cut])
            if let bad = firstInvalidUTF8Byte(piece) {
                throw FileFormatError(file, "invalid UTF-8 at byte offset \(reader.offset + bad)")
            }
            try visit(.text(String(decoding: piece, as: UTF8.self)))
            reader.consume(cut)
        }
    }
}
