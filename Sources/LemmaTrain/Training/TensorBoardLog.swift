import Foundation

/// Mirrors every log record into TensorBoard event files: `train/loss`, `train/learning_rate`, … and
/// `eval/accuracy`, … against the optimizer step.
public final class TensorBoardLog: TrainerCallback {
    private let writer: TensorBoardWriter

    /// A resumed run passes the first step it will log again: TensorBoard then drops the earlier session's
    /// points from that step on, instead of showing both.
    public init(directory: URL, purgeStep: Int? = nil) throws {
        writer = try TensorBoardWriter(directory: directory, purgeStep: purgeStep)
    }

    public func logged(_ record: LogRecord, _ event: TrainerEvent) {
        for (name, value) in record.values.sorted(by: { $0.key < $1.key }) where value.isFinite {
            let tag = name.hasPrefix("eval_") ? "eval/" + name.dropFirst(5) : "train/" + name
            try? writer.addScalar(tag, value, step: record.step)
        }
    }

    public func fitEnded(_ event: TrainerEvent) {
        try? writer.flush()
    }

    deinit { writer.close() }
}
