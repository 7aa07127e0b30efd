import Foundation
import LemmaTensor

/// A dataset directory assembled beside its destination (`.<name>.partial-<pid>`) and moved into place only
/// when complete, with its meta.json written last: an interrupted writer leaves any earlier dataset intact
/// and nothing half-made where a reader would look. Dropped unfinished, the staging directory is removed; one
/// left by a killed writer (Ctrl-C) is removed by the next writer of the same destination.
public final class StagingDirectory {
    let destination: URL
    public let url: URL
    private var finished = false

    public init(for destination: URL) throws {
        self.destination = destination
        let parent = destination.deletingLastPathComponent()
        guard Self.mayReplace(destination) else {
            throw FileFormatError(destination.path, "exists and is not a dataset Lemma wrote; choose another output (only an earlier dataset is replaced)")
        }
        url = Self.stagingURL(for: destination)
        Self.removeAbandoned(beside: destination)
        try? FileManager.default.removeItem(at: url)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw FileFormatError(destination.path, "cannot create a staging directory in \(parent.path): \(error.localizedDescription)")
        }
    }

    /// Whether `destination` may be replaced: nothing there, an empty directory, or a dataset written here
    /// before (its meta.json, or a pair dataset's source/ and target/ ones). Anything else is a user's files,
    /// which replacing would delete.
    static func mayReplace(_ destination: URL) -> Bool {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: destination.path, isDirectory: &isDirectory) else { return true }
        guard isDirectory.boolValue else { return false }
        func has(_ path: String) -> Bool { manager.fileExists(atPath: destination.appendingPathComponent(path).path) }
        return (try? manager.contentsOfDirectory(atPath: destination.path))?.isEmpty == true
            || has("meta.json") || (has("source/meta.json") && has("target/meta.json"))
    }

    /// This process's staging directory for `destination`.
    static func stagingURL(for destination: URL) -> URL {
        destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())")
    }

    /// Removes the staging directories of `destination` whose writing process no longer exists.
    static func removeAbandoned(beside destination: URL) {
        let parent = destination.deletingLastPathComponent(), prefix = ".\(destination.lastPathComponent).partial-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
        }
    }

    deinit {
        if !finished { try? FileManager.default.removeItem(at: url) }
    }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

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
    public func finish(what: String) throws {
        try moveDirectoryIntoPlace(url, at: destination, what: what)
        finished = true
    }
}
