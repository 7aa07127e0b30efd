import Foundation

/// Training progress on standard error: on a terminal, one line redrawn in place (step/total, items/s, ETA,
/// loss); otherwise a plain line at each log step, so logs stay readable.
public final class ProgressDisplay: TrainerCallback {
    private let interactive = isatty(STDERR_FILENO) != 0
    private var start = Date()
    private var startStep = 0
    private var examples = 0
    private var lastDrawn = Date.distantPast
    private var lastLoss: Double?

    public init() {}

    public func fitBegan(_ event: TrainerEvent) {
        start = Date()
        startStep = event.state.globalStep
        examples = 0
    }

    public func stepEnded(_ event: TrainerEvent) {
        examples += event.stepExamples
        let now = Date()
        guard interactive, now.timeIntervalSince(lastDrawn) >= 0.2 || event.state.globalStep == event.state.totalSteps else { return }
        lastDrawn = now
        write("\r\u{1B}[K" + line(event))
    }

    public func logged(_ record: LogRecord, _ event: TrainerEvent) {
        if let loss = record.values["loss"] { lastLoss = loss }
        let evaluation = record.values.filter { $0.key.hasPrefix("eval_") }
        if !evaluation.isEmpty {
            let text = evaluation.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }
                .joined(separator: "  ")
            write((interactive ? "\r\u{1B}[K" : "") + "step \(record.step): \(text)\n")
        } else if !interactive {
            write(line(event) + "\n")
        }
    }

    public func fitEnded(_ event: TrainerEvent) {
        if interactive { write("\r\u{1B}[K" + line(event) + "\n") }
    }

    private func line(_ event: TrainerEvent) -> String {
        let state = event.state
        let elapsed = max(Date().timeIntervalSince(start), 1e-9)
        let steps = state.globalStep - startStep
        let width = 24, total = max(state.totalSteps, 1)
        let filled = min(width, width * state.globalStep / total)
        var text = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
        text += "step \(state.globalStep)/\(state.totalSteps)"
        text += String(format: "  epoch %.2f  %.0f ex/s", event.epochProgress, Double(examples) / elapsed)
        if steps > 0, state.globalStep < state.totalSteps {
            text += String(format: "  ETA %@", Self.duration(elapsed / Double(steps) * Double(state.totalSteps - state.globalStep)))
        }
        if let lastLoss { text += String(format: "  loss %.4f", lastLoss) }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
