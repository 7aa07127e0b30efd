import Foundation
import LemmaTensor

/// The checkpoints of a run, one directory each (`checkpoint-<step>/` with model.safetensors,
/// optimizer.safetensors and trainer_state.json). A checkpoint is assembled in a hidden temporary directory,
/// every file flushed to disk, then renamed into place in one step; so a directory named `checkpoint-<step>`
/// is always complete, and killing the process at any instant leaves the previous latest one intact. Each
/// records the size and CRC-32C of its files in `checksums.json`; loading verifies them, and `latestIntact`
/// passes over a checkpoint damaged since (a truncated copy, a bad disk) to the newest one that is whole.
public struct CheckpointStore: Sendable {
    public let directory: URL

    public static let modelFile = "model.safetensors"
    public static let optimizerFile = "optimizer.safetensors"
    public static let stateFile = "trainer_state.json"
    public static let checksumFile = "checksums.json"

    /// What `checksums.json` holds: each file's size and CRC-32C (8 hex digits).
    struct Checksums: Codable {
        struct Entry: Codable { var bytes: Int; var crc32c: String }
        var files: [String: Entry]
    }

    public init(directory: URL) {
        self.directory = directory
    }

    /// What a checkpoint holds.
    public struct Contents {
        public var model: [String: Tensor]
        /// Optimizer state, and the schedule's under `schedule.`.
        public var optimizer: [String: Tensor]
        public var state: TrainerState

        public init(model: [String: Tensor], optimizer: [String: Tensor], state: TrainerState) {
            self.model = model
            self.optimizer = optimizer
            self.state = state
        }
    }

    /// Writes a checkpoint for `step`, replacing one with the same step.
    @discardableResult
    public func save(_ contents: Contents, step: Int) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let final = url(step: step)
        let staging = directory.appendingPathComponent(".staging-\(step)-\(getpid())")
        try? FileManager.default.removeItem(at: staging)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        do {
            try Safetensors.write(contents.model, to: staging.appendingPathComponent(Self.modelFile))
            try Safetensors.write(contents.optimizer, to: staging.appendingPathComponent(Self.optimizerFile))
            let json = try RunJSON.encoder().encode(contents.state)
            try writeAtomically(to: staging.appendingPathComponent(Self.stateFile)) { append in
                try json.withUnsafeBytes { try append($0) }
            }
            var sums = Checksums(files: [:])
            for name in [Self.modelFile, Self.optimizerFile, Self.stateFile] {
                let (crc, bytes) = try FileChecksum.crc32c(of: staging.appendingPathComponent(name))
                sums.files[name] = .init(bytes: bytes, crc32c: String(format: "%08x", crc))
            }
            let sumsJSON = try RunJSON.encoder().encode(sums)
            try writeAtomically(to: staging.appendingPathComponent(Self.checksumFile)) { append in
                try sumsJSON.withUnsafeBytes { try append($0) }
            }
            try Self.syncDirectory(staging)
            if FileManager.default.fileExists(atPath: final.path) {
                // Move the old one aside first: rename cannot replace a non-empty directory.
                let old = directory.appendingPathComponent(".replaced-\(step)-\(getpid())")
                try? FileManager.default.removeItem(at: old)
                try FileManager.default.moveItem(at: final, to: old)
                try? FileManager.default.removeItem(at: old)
            }
            guard rename(staging.path, final.path) == 0 else {
                throw FileFormatError(final.path, "cannot move the finished checkpoint into place: \(String(cString: strerror(errno)))")
            }
            try Self.syncDirectory(directory)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        return final
    }

    public func url(step: Int) -> URL {
        directory.appendingPathComponent(String(format: "checkpoint-%08d", step))
    }

    /// Finished checkpoints, oldest first. Temporary directories left by a killed process are ignored.
    public func checkpoints() -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix("checkpoint-"), let step = Int(name.dropFirst("checkpoint-".count)) else { return nil }
            return (step, directory.appendingPathComponent(name))
        }.sorted { $0.0 < $1.0 }
    }

    public var latest: (step: Int, url: URL)? { checkpoints().last }

    /// The newest checkpoint whose files match their checksums; each damaged one passed over is reported to
    /// `log` by name with what is wrong.
    public func latestIntact(log: (String) -> Void = { _ in }) -> (step: Int, url: URL)? {
        for checkpoint in checkpoints().reversed() {
            do {
                try Self.verify(checkpoint.url)
                return checkpoint
            } catch {
                log("\(checkpoint.url.lastPathComponent) is damaged (\(error)); trying the one before it")
            }
        }
        return nil
    }

    /// Checks every file against `checksums.json` (checkpoints written before checksums were recorded are
    /// taken as they are); throws naming the file and what differs.
    public static func verify(_ url: URL) throws {
        let sumsURL = url.appendingPathComponent(checksumFile)
        guard let data = FileManager.default.contents(atPath: sumsURL.path) else {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent(stateFile).path) { return }
            throw FileFormatError(url.path, "not a checkpoint directory (no \(stateFile))")
        }
        let sums: Checksums
        do { sums = try JSONDecoder().decode(Checksums.self, from: data) } catch {
            throw FileFormatError(sumsURL.path, "unreadable: \(describe(error))")
        }
        for name in sums.files.keys.sorted() {
            let expected = sums.files[name]!
            let file = url.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: file.path) else { throw FileFormatError(file.path, "missing") }
            let (crc, bytes) = try FileChecksum.crc32c(of: file)
            guard bytes == expected.bytes else {
                throw FileFormatError(file.path, "\(bytes) bytes, the checkpoint recorded \(expected.bytes) (truncated or replaced)")
            }
            guard String(format: "%08x", crc) == expected.crc32c else {
                throw FileFormatError(file.path, "CRC-32C \(String(format: "%08x", crc)), the checkpoint recorded \(expected.crc32c) (corrupted)")
            }
        }
    }

    /// Deletes all but the newest `keep` checkpoints and `protecting` (the best), and any debris of
    /// interrupted saves. Each is renamed to a hidden name before it is removed, so a half-deleted checkpoint
    /// never looks like a finished one.
    public func prune(keep: Int, protecting: Int?) {
        let all = checkpoints()
        for (step, url) in all.dropLast(keep) where step != protecting {
            let doomed = directory.appendingPathComponent(".deleting-\(step)-\(getpid())")
            if (try? FileManager.default.moveItem(at: url, to: doomed)) != nil {
                try? FileManager.default.removeItem(at: doomed)
            }
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where name.hasPrefix(".staging-") || name.hasPrefix(".deleting-") || name.hasPrefix(".replaced-") {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// Reads a checkpoint directory, naming the file and what is wrong if it cannot.
    public static func load(_ url: URL) throws -> Contents {
        try verify(url)
        let stateURL = url.appendingPathComponent(stateFile)
        guard let data = FileManager.default.contents(atPath: stateURL.path) else {
            throw FileFormatError(stateURL.path, "missing: not a checkpoint directory")
        }
        let state: TrainerState
        do {
            state = try RunJSON.decoder().decode(TrainerState.self, from: data)
        } catch {
            throw FileFormatError(stateURL.path, "not a trainer state: \(Self.describe(error))")
        }
        let model = try SafetensorsFile(url: url.appendingPathComponent(modelFile)).floatTensors()
        let optimizer = try SafetensorsFile(url: url.appendingPathComponent(optimizerFile)).floatTensors()
        return Contents(model: model, optimizer: optimizer, state: state)
    }

    static func syncDirectory(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileFormatError(url.path, "cannot open the directory to flush it") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw FileFormatError(url.path, "fsync failed: \(String(cString: strerror(errno)))") }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing key '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let context): context.debugDescription
        default: "\(error)"
        }
    }
}
