import Foundation
import LemmaData
import LemmaTensor
import Testing

/// Files made by scripts/make_data_fixtures.py, and scratch space for tests that write files.
enum DataFixtures {
    static func path(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!.path
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    static func json<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// A fresh directory, removed by the caller.
    static func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-data-tests-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `bytes` to `name` in `directory` and returns the path. Plain POSIX writes to a fresh file:
    /// Foundation's `Data.write` fsyncs, and ext4 flushes files truncated and rewritten on close, either of
    /// which makes thousands of fuzz rounds crawl.
    @discardableResult
    static func write(_ bytes: [UInt8], _ name: String, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent(name).path
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            guard n > 0 else { throw CocoaError(.fileWriteUnknown) }
            done += n
        }
        return path
    }

    @discardableResult
    static func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        try write(Array(text.utf8), name, in: directory)
    }
}

/// Runs `body` expecting a `FileFormatError` whose message contains every fragment.
func expectFormatError(_ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation,
                       _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected a FileFormatError mentioning \(fragments)", sourceLocation: sourceLocation)
    } catch let error as FileFormatError {
        for fragment in fragments where !error.description.contains(fragment) {
            Issue.record("error '\(error)' does not mention '\(fragment)'", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected a FileFormatError, got \(error)", sourceLocation: sourceLocation)
    }
}

/// What a dataset fixture must yield (datasets/expected.json).
struct ExpectedExample: Decodable, Equatable {
    let text: String
    let label: String?
    let line: Int?
    let member: String?
}
