import Foundation
import LemmaTensor

/// Writes scalars to a TensorBoard event file, `events.out.tfevents.<unix seconds>.<host name>` in `directory`.
///
/// Records are appended to the open file: they are buffered and written out on `flush()`, on `close()`, and
/// whenever `flushInterval` seconds have passed or 64 KiB have piled up, so a crash loses at most the last
/// few seconds; TensorBoard skips a final record cut short. Each writer starts a new file, so a resumed run
/// adds a file to the same directory and TensorBoard merges them; give it `purgeStep` (the first step it
/// will log) and TensorBoard also hides the points the crashed run had logged from that step on.
public final class TensorBoardWriter: @unchecked Sendable {  // mutable state is behind `lock`
    /// The event file this writer appends to.
    public let fileURL: URL
    /// Seconds after which buffered records are written out by the next `addScalar`.
    public let flushInterval: Double

    private static let maximumBufferedBytes = 64 * 1024
    private let lock = NSLock()
    private var handle: FileHandle?
    private var buffered: [UInt8] = []
    private var lastFlush = ProcessInfo.processInfo.systemUptime

    /// Creates the directory if needed and a new event file in it, starting with the file-version event.
    /// `wallTime` stamps that event and names the file; `sourceWriter` is the program name recorded in its
    /// source metadata, as TensorBoard's own writers record theirs (nil leaves the metadata out); `purgeStep`
    /// marks a restart (see above), as PyTorch's `SummaryWriter(purge_step:)` does.
    public init(directory: URL, wallTime: Double = Date().timeIntervalSince1970, sourceWriter: String? = "lemma",
                purgeStep: Int? = nil, flushInterval: Double = 5) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw FileFormatError(directory.path, "cannot create the TensorBoard log directory: \(error.localizedDescription)")
        }
        let baseName = "events.out.tfevents." + String(format: "%010lld", Int64(wallTime.rounded(.down))) + "." + Self.hostName()
        // Two writers started in the same second (tests, quick restarts) must not share a file.
        var candidate = directory.appendingPathComponent(baseName)
        var suffix = 0
        var fd: Int32 = -1
        while true {
            fd = open(candidate.path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
            suffix += 1
            candidate = directory.appendingPathComponent("\(baseName).\(suffix)")
        }
        guard fd >= 0 else {
            throw FileFormatError(candidate.path, "cannot create the event file: \(String(cString: strerror(errno)))")
        }
        fileURL = candidate
        self.flushInterval = flushInterval
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        buffered = TFRecord.frame(TensorBoardEvent.fileVersion(wallTime: wallTime, writer: sourceWriter))
        if let purgeStep {
            for event in TensorBoardEvent.restart(step: purgeStep, wallTime: wallTime) { buffered += TFRecord.frame(event) }
        }
        try flush()
    }

    deinit { close() }

    /// Logs `value` under `tag` (e.g. "train/loss") at `step`. TensorBoard stores it as a 32-bit float.
    public func addScalar(_ tag: String, _ value: Double, step: Int, wallTime: Double = Date().timeIntervalSince1970) throws {
        let record = TFRecord.frame(TensorBoardEvent.scalar(tag: tag, value: value, step: step, wallTime: wallTime))
        lock.lock()
        defer { lock.unlock() }
        guard handle != nil else { throw FileFormatError(fileURL.path, "addScalar(\"\(tag)\") after the writer was closed") }
        buffered += record
        if buffered.count >= Self.maximumBufferedBytes || ProcessInfo.processInfo.systemUptime - lastFlush >= flushInterval {
            try writeBuffered()
        }
    }

    /// Writes buffered records to the file (the operating system has them from then on, even if we crash).
    public func flush() throws {
        lock.lock()
        defer { lock.unlock() }
        try writeBuffered()
    }

    /// Flushes, syncs and closes the file; later calls do nothing. It cannot report a failed write: call
    /// `flush()` first where that matters.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        guard let handle else { return }
        try? writeBuffered()
        try? handle.synchronize()
        try? handle.close()
        self.handle = nil
    }

    private func writeBuffered() throws {
        guard let handle else { return }
        lastFlush = ProcessInfo.processInfo.systemUptime
        guard !buffered.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffered)
        } catch {
            throw FileFormatError(fileURL.path, "cannot write TensorBoard events: \(error.localizedDescription)")
        }
        buffered.removeAll(keepingCapacity: true)
    }

    private static func hostName() -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
        let host = String(cString: name)
        return host.isEmpty ? "localhost" : host
    }
}
