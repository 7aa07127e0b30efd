import Foundation

/// Progress on standard error: a line redrawn in place on a terminal, a plain line every 10 s otherwise
/// (logs stay readable).
final class Progress {
    private let label: String
    private let total: Int?
    private let start = Date()
    private var lastShown = Date.distantPast
    private let interactive = isatty(STDERR_FILENO) != 0
    /// Shows nothing (ranks other than 0 under mpirun).
    private let quiet: Bool

    init(_ label: String, total: Int? = nil, quiet: Bool = false) {
        self.label = label
        self.total = total
        self.quiet = quiet
    }

    func update(_ done: Int, detail: String = "") {
        let now = Date()
        guard now.timeIntervalSince(lastShown) >= (interactive ? 0.2 : 10) else { return }
        lastShown = now
        show(done, detail: detail, final: false)
    }

    func finish(_ done: Int, detail: String = "") { show(done, detail: detail, final: true) }

    private func show(_ done: Int, detail: String, final: Bool) {
        guard !quiet else { return }
        let elapsed = max(Date().timeIntervalSince(start), 1e-9)
        let rate = Double(done) / elapsed
        var text = "\(label): \(done)"
        if let total { text += "/\(total)" }
        text += String(format: "  %.0f/s  %.1f s", rate, elapsed)
        if let total, !final, rate > 0 { text += String(format: "  ETA %.0f s", Double(total - done) / rate) }
        if !detail.isEmpty { text += "  " + detail }
        let line = interactive ? "\r\u{1B}[K" + text + (final ? "\n" : "") : text + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
