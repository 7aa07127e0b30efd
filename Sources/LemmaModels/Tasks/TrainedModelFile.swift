import Foundation
import LemmaNN
import LemmaTensor
import LemmaTrain

/// A run's trained model, `model.safetensors`, with its integrity record `model.checksums.json`: the file's
/// size and CRC-32C and the checkpoint that holds the same weights. Loading (eval, predict, serve, generate)
/// verifies the file; a damaged one is reported by name and the weights come from that checkpoint instead, or,
/// if it is damaged or gone too, from the newest intact checkpoint.
struct TrainedModelFile {
    static let recordName = "model.checksums.json"

    struct Record: Codable {
        var bytes: Int
        var crc32c: String
        /// The checkpoint directory (under checkpoints/) with the same weights, when there is one.
        var checkpoint: String?
    }

    let directory: RunDirectory

    var url: URL { directory.url.appendingPathComponent(CheckpointStore.modelFile) }
    var recordURL: URL { directory.url.appendingPathComponent(Self.recordName) }

    /// Writes the model, then its record (both atomically; the record last, so a record always describes a
    /// whole file). `sameAs`: the checkpoint the weights were restored from or saved in at the last step.
    func save(_ model: Module, sameAs checkpoint: URL?) throws {
        // The old record goes first: a crash before the new one is written leaves a file without a record
        // (trusted if it parses), never a new file judged against the old file's checksum.
        if FileManager.default.fileExists(atPath: recordURL.path) { try FileManager.default.removeItem(at: recordURL) }
        try model.save(to: url)
        let (crc, bytes) = try FileChecksum.crc32c(of: url)
        let record = Record(bytes: bytes, crc32c: String(format: "%08x", crc), checkpoint: checkpoint?.lastPathComponent)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(record)
        try writeAtomically(to: recordURL) { append in try data.withUnsafeBytes { try append($0) } }
    }

    /// The record, if the run wrote one (runs trained before records existed did not).
    func record() throws -> Record? {
        guard let data = FileManager.default.contents(atPath: recordURL.path) else { return nil }
        do { return try JSONDecoder().decode(Record.self, from: data) } catch {
            throw FileFormatError(recordURL.path, "unreadable: \(error)")
        }
    }

    /// Throws naming the file and what differs from its record.
    func verify(against record: Record) throws {
        let (crc, bytes) = try FileChecksum.crc32c(of: url)
        guard bytes == record.bytes else {
            throw FileFormatError(url.path, "\(bytes) bytes, the run recorded \(record.bytes) (truncated or replaced)")
        }
        guard String(format: "%08x", crc) == record.crc32c else {
            throw FileFormatError(url.path, "CRC-32C \(String(format: "%08x", crc)), the run recorded \(record.crc32c) (corrupted)")
        }
    }

    /// Loads the trained weights into `model`, falling back on a checkpoint when the file is damaged.
    func load(into model: Module, log: (String) -> Void) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ConfigError("\(directory.url.path): the run has no trained model yet (model.safetensors); finish or resume training first")
        }
        // Only a file that fails its record, or does not parse, counts as damaged: an intact file that does not
        // fit the model (another configuration) is an error of its own, not a reason to load other weights.
        // An unreadable record leaves the file unverifiable, which is treated as damage (the checkpoints are
        // verified), but the message must blame the record, not the weights.
        var recordUnreadable = false
        do {
            let record: Record?
            do { record = try self.record() } catch { recordUnreadable = true; throw error }
            if let record { try verify(against: record) }
            _ = try SafetensorsFile(url: url)
        } catch let damage {
            let store = CheckpointStore(directory: directory.checkpoints)
            var source: URL?, note = ""
            if let name = try? self.record()?.checkpoint {
                let same = directory.checkpoints.appendingPathComponent(name)
                if (try? CheckpointStore.verify(same)) != nil {
                    source = same
                } else {
                    note = " (checkpoints/\(name), which held the same weights, is damaged or gone: these are the newest intact ones and may differ)"
                }
            }
            if source == nil { source = store.latestIntact(log: log)?.url }
            guard let source else {
                throw FileFormatError(url.path, "damaged (\(damage)) and no intact checkpoint to fall back on")
            }
            let problem = recordUnreadable ? "cannot be checked (\(damage))" : "is damaged (\(damage))"
            log("model.safetensors \(problem); using the weights of checkpoints/\(source.lastPathComponent)\(note)")
            try model.load(from: source.appendingPathComponent(CheckpointStore.modelFile))
            return
        }
        try model.load(from: url)
    }
}
