import Foundation
import LemmaTensor

/// A dataset directory assembled beside its destination (`.<name>.partial-<pid>`) and moved into place only
/// when complete, with its meta.json written last: an interrupted writer leaves any earlier dataset intact
/// and nothing half-made where a reader would look. Dropped unfinished, the staging directory is removed.
final class StagingDirectory {
    let destination: URL
    let url: URL
    private var finished = false

    init(for destination: URL) throws {
        self.destination = destination
        let parent = destination.deletingLastPathComponent()
        url = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw FileFormatError(destination.path, "cannot create a staging directory in \(parent.path): \(error.localizedDescription)")
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
