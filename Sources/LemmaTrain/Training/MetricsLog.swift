import Foundation
import LemmaTensor

/// Appends every log record to `metrics.jsonl`, one JSON object per line, flushed as written so a crash
/// loses nothing already logged. A resumed run first drops the lines after its checkpoint's step, which the
/// resumed run is about to log again.
public final class MetricsLog: TrainerCallback {
    public let url: URL
    private let handle: FileHandle

    /// Opens the log for appending, keeping only the records at or before `step` (all of them when nil).
    public init(url: URL, keepingThrough step: Int? = nil) throws {
        self.url = url
        if let step, FileManager.default.fileExists(atPath: url.path) {
            // The kept lines as they were written, byte for byte.
            let kept = try Self.lines(url, allowingTornLastLine: true).filter { $0.record.step <= step }
                .map { $0.text + "\n" }.joined()
            try writeAtomically(to: url) { append in try Data(kept.utf8).withUnsafeBytes { try append($0) } }
        } else if step == nil || !FileManager.default.fileExists(atPath: url.path) {
            try Data().write(to: url)
        }
        guard let handle = FileHandle(forWritingAtPath: url.path) else {
            throw FileFormatError(url.path, "cannot open for writing")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    public func logged(_ record: LogRecord, _ event: TrainerEvent) {
        handle.write(Data((record.json() + "\n").utf8))
    }

    /// Every record in a metrics.jsonl file; a malformed line is an error naming it, except, when allowed, a
    /// last line without its newline (a write cut short by a kill), which is dropped.
    public static func read(_ url: URL, allowingTornLastLine: Bool = false) throws -> [LogRecord] {
        try lines(url, allowingTornLastLine: allowingTornLastLine).map(\.record)
    }

    static func lines(_ url: URL, allowingTornLastLine: Bool) throws -> [(text: Substring, record: LogRecord)] {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw FileFormatError(url.path, "cannot read the file as UTF-8 text")
        }
        var records: [(Substring, LogRecord)] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() where !line.isEmpty {
            guard let record = LogRecord(json: line) else {
                if allowingTornLastLine, number == lines.count - 1 { break }
                throw FileFormatError(url.path, "line \(number + 1): expected a JSON object with an integer \"step\"")
            }
            records.append((line, record))
        }
        return records
    }
}
