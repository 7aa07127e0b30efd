import Foundation
import LemmaTensor

/// A dataset directory assembled beside its destination (`.<name>.partial-<pid>`) and moved into place only
/// when complete, with its meta.json written last: an interrupted writer leaves any earlier dataset intact
/// and nothing half-made where a reader would look. Dropped unfinished, the staging directory is removed; one
/// left by a killed writer (Ctrl-C) is removed by the next writer of the same destination.
public final class StagingDirectory {
    let destination: URL
    let url: URL
    private var finished = false

    init(for destination: URL) throws {
        self.destination = destination
        let parent = destination.deletingLastPathComponent()
        url = Self.stagingURL(for: destination)
        Self.removeAbandoned(beside: destination)
        try? FileManager.default.removeItem(at: url)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw FileFormatError(destination.path, "cannot create a staging directory in \(parent.path): \(error.localizedDescription)")
        }
    }

    /// This process's staging directory for `destination`.
    public static func stagingURL(for destination: URL) -> URL {
        destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())")
    }

    /// Removes the staging directories of `destination` whose writing process no longer exists.
    public static func removeAbandoned(beside destination: URL) {
        let parent = destination.deletingLastPathComponent(), prefix = ".\(destination.lastPathComponent).partial-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
        }
    }

    deinit {
        if !finished { try? FileManager.default.removeItem(at: url) }
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes `meta` as meta.json (pretty, sorted keys) and moves the directory to its destination, replacing
    /// an earlier one.
    func finish<Meta: Encodable>(meta: Meta, what: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let bytes = try encoder.encode(meta)
        try writeAtomically(to: file("meta.json")) { append in
            try bytes.withUnsafeBytes { try append($0) }
        }
        try finish(what: what)
    }

    /// Moves the directory to its destination as it is.
    func finish(what: String) throws {
        try moveDirectoryIntoPlace(url, at: destination, what: what)
        finished = true
    }
}
