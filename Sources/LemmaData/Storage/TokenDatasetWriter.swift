import Foundation
import LemmaTensor

/// Writes a `TokenDataset` one example at a time, in constant memory: ids and offsets stream to files
/// through fixed buffers. Nothing is visible at the destination until `finish()` moves the complete
/// directory into place, so an interrupted run leaves any earlier dataset intact, and re-running is safe.
public final class TokenDatasetWriter {
    public let destination: URL
    private let directory: StagingDirectory
    /// Where the dataset is assembled; extra files put here (a built vocabulary) move into place with it.
    public let staging: URL
    private let tokens: BufferedFile, offsets: BufferedFile, labels: BufferedFile
    private var tokenCount: Int64 = 0
    private var labelNames: [String] = []
    private var labelIndex: [String: Int32] = [:]
    private var perLabel: [String: Int] = [:]
    public private(set) var exampleCount = 0

    public init(destination: URL) throws {
        self.destination = destination
        directory = try StagingDirectory(for: destination)
        staging = directory.url
        tokens = try BufferedFile(directory.file("tokens.i32"))
        offsets = try BufferedFile(directory.file("offsets.i64"))
        labels = try BufferedFile(directory.file("labels.i32"))
        try offsets.append(Int64(0))
    }

    /// Appends one example; labels are numbered in order of first appearance unless `labelNames` were fixed.
    public func append(tokenIDs: [Int32], label: String?) throws {
        try tokens.append(contentsOf: tokenIDs)
        tokenCount += Int64(tokenIDs.count)
        try offsets.append(tokenCount)
        var index: Int32 = -1
        if let label {
            if let known = labelIndex[label] {
                index = known
            } else {
                index = Int32(labelNames.count)
                labelIndex[label] = index
                labelNames.append(label)
            }
            perLabel[label, default: 0] += 1
        }
        try labels.append(index)
        exampleCount += 1
    }

    /// Fixes the label numbering in advance (e.g. from a label map), so indices do not depend on input order.
    public func declareLabels(_ names: [String]) {
        for name in names where labelIndex[name] == nil {
            labelIndex[name] = Int32(labelNames.count)
            labelNames.append(name)
        }
    }

    /// Flushes everything to disk and moves the dataset into place, replacing any earlier one.
    @discardableResult
    public func finish(tokenizer: String, vocabularySize: Int, source: String) throws -> TokenDatasetInfo {
        for file in [tokens, offsets, labels] { try file.close() }
        let info = TokenDatasetInfo(exampleCount: exampleCount, tokenCount: Int(tokenCount), labels: labelNames,
                                    tokenizer: tokenizer, vocabularySize: vocabularySize, source: source,
                                    examplesPerLabel: perLabel)
        try directory.finish(meta: info, what: "dataset")
        return info
    }
}

/// Appends fixed-size values to a file through a 1 MiB buffer, and fsyncs on close.
final class BufferedFile {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var closed = false

    init(_ url: URL) throws {
        path = url.path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileFormatError(path, "cannot create: \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(1 << 20)
    }

    deinit { if !closed { Foundation.close(fd) } }

    func append<T>(_ value: T) throws {
        withUnsafeBytes(of: value) { buffer.append(contentsOf: $0) }
        if buffer.count >= 1 << 20 { try flush() }
    }

    func append<T>(contentsOf values: [T]) throws {
        values.withUnsafeBytes { buffer.append(contentsOf: $0) }
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileFormatError(path, "write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        guard fsync(fd) == 0 else { throw FileFormatError(path, "fsync failed: \(String(cString: strerror(errno)))") }
        Foundation.close(fd)
        closed = true
    }
}
