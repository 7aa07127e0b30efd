/// The `tensorflow.Event` messages a scalar log needs, encoded as TensorBoard's writers encode them
/// (event.proto / summary.proto field numbers; proto3 leaves out fields at their default value).
enum TensorBoardEvent {
    // Event fields.
    private static let wallTime = 1, step = 2, fileVersion = 3, summary = 5, sessionLog = 7, sourceMetadata = 10
    // Summary.value, Summary.Value.tag and .simple_value, SourceMetadata.writer, SessionLog.status.
    private static let summaryValue = 1, valueTag = 1, simpleValue = 2, sourceWriter = 1, sessionStatus = 1
    private static let sessionStart: Int64 = 1
    private static let versionName = "brain.Event:2"

    /// The event every event file starts with; TensorBoard reads the version to pick its parsing rules.
    static func fileVersion(wallTime: Double, writer: String?) -> [UInt8] {
        var event = ProtobufEncoder()
        encodeWallTime(wallTime, into: &event)
        event.string(fileVersion, versionName)
        if let writer {
            event.message(sourceMetadata) { metadata in
                if !writer.isEmpty { metadata.string(sourceWriter, writer) }
            }
        }
        return event.bytes
    }

    /// The two events that mark a restart at `step` (as PyTorch's SummaryWriter(purge_step:) writes them):
    /// the file version again, and a SessionLog START, on which TensorBoard drops every point logged before
    /// it at `step` or later, the ones a resumed run is about to log again.
    static func restart(step: Int, wallTime: Double) -> [[UInt8]] {
        var version = ProtobufEncoder()
        encodeWallTime(wallTime, into: &version)
        if step != 0 { version.int64(Self.step, Int64(step)) }
        version.string(fileVersion, versionName)
        var start = ProtobufEncoder()
        encodeWallTime(wallTime, into: &start)
        if step != 0 { start.int64(Self.step, Int64(step)) }
        start.message(sessionLog) { $0.int64(sessionStatus, sessionStart) }
        return [version.bytes, start.bytes]
    }

    /// One scalar summary. The value is stored as a 32-bit float (`simple_value`), like every TensorBoard
    /// scalar writer does; it is written even when zero because it sits in a oneof.
    static func scalar(tag: String, value: Double, step: Int, wallTime: Double) -> [UInt8] {
        var event = ProtobufEncoder()
        encodeWallTime(wallTime, into: &event)
        if step != 0 { event.int64(Self.step, Int64(step)) }
        event.message(summary) { summary in
            summary.message(summaryValue) { entry in
                if !tag.isEmpty { entry.string(valueTag, tag) }
                entry.float(simpleValue, Float(value))
            }
        }
        return event.bytes
    }

    private static func encodeWallTime(_ wallTime: Double, into event: inout ProtobufEncoder) {
        // proto3 drops a double whose bits are all zero (so -0.0 is kept).
        if wallTime.bitPattern != 0 { event.double(Self.wallTime, wallTime) }
    }
}
