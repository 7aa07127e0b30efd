import LemmaTensor
import Synchronization

/// Output shapes seen during one traced forward pass, for `summary`. Layers inside `Sequential` are
/// recorded automatically; custom models call `ShapeTrace.record(module, output)` for their own parts.
public enum ShapeTrace {
    /// The recorder of the `summary` running on this task, nil everywhere else: forward passes on other
    /// threads (tests side by side, a server's requests) neither record into it nor race with it.
    @TaskLocal static var recorder: ShapeRecorder?

    public static func record(_ module: Module, _ output: Tensor) {
        recorder?.shapes.withLock { $0[ObjectIdentifier(module)] = output.shape }
    }
}

/// Locked, because a traced forward pass may run its parts on child tasks, which inherit the recorder.
final class ShapeRecorder: Sendable {
    let shapes = Mutex<[ObjectIdentifier: [Int]]>([:])
}

extension Module {
    /// A Keras-style table: each module's key, type, output shape (when `input` is given, from one forward
    /// pass without gradients) and parameter count, then totals split into trainable and frozen.
    public func summary(input: Tensor? = nil, forward: ((Tensor) -> Tensor)? = nil) -> String {
        var shapes: [ObjectIdentifier: [Int]] = [:]
        if let input {
            let recorder = ShapeRecorder()
            let output = ShapeTrace.$recorder.withValue(recorder) {
                withNoGrad { forward?(input) ?? (self as? any UnaryLayer)?(input) }
            }
            shapes = recorder.shapes.withLock { $0 }
            if let output { shapes[ObjectIdentifier(self)] = output.shape }
        }
        var rows: [[String]] = [["Layer", "Type", "Output shape", "Params"]]
        for (key, module) in namedModules() {
            let own = module.ownParameters().reduce(0) { $0 + $1.tensor.count }
            let shape = shapes[ObjectIdentifier(module)].map { "[" + $0.map(String.init).joined(separator: ", ") + "]" } ?? "-"
            let depth = key.isEmpty ? 0 : key.split(separator: ".").count
            rows.append([String(repeating: "  ", count: depth) + (key.isEmpty ? "(model)" : key),
                         String(describing: type(of: module)), shape, own == 0 ? "" : formatCount(own)])
        }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max()! }
        func line(_ row: [String]) -> String {
            row.enumerated().map { i, text in
                i == 3 ? String(repeating: " ", count: widths[i] - text.count) + text
                       : text + String(repeating: " ", count: widths[i] - text.count)
            }.joined(separator: "  ")
        }
        let rule = String(repeating: "─", count: widths.reduce(0, +) + 6)
        let total = parameterCount(), trainable = parameterCount(trainableOnly: true)
        return ([line(rows[0]), rule] + rows.dropFirst().map(line) + [
            rule,
            "Total params: \(formatCount(total))",
            "Trainable params: \(formatCount(trainable))",
            "Frozen params: \(formatCount(total - trainable))",
        ]).joined(separator: "\n")
    }
}

/// 1234567 → "1,234,567".
func formatCount(_ n: Int) -> String {
    let digits = Array(String(n))
    return String(digits.enumerated().flatMap { i, d in
        (i > 0 && (digits.count - i) % 3 == 0) ? [",", d] : [d]
    })
}
