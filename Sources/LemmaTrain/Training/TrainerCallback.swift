import Foundation
import LemmaTensor

/// Hooks into a run, as Hugging Face's TrainerCallback and fastai's Callback: every method has an empty
/// default, so a callback implements only the events it cares about. Through `event.control` a callback can
/// ask the trainer to evaluate, save or stop after the current step.
public protocol TrainerCallback: AnyObject {
    func fitBegan(_ event: TrainerEvent)
    func fitEnded(_ event: TrainerEvent)
    func epochBegan(_ event: TrainerEvent)
    func epochEnded(_ event: TrainerEvent)
    func stepBegan(_ event: TrainerEvent)
    func stepEnded(_ event: TrainerEvent)
    func logged(_ record: LogRecord, _ event: TrainerEvent)
    func evaluationBegan(_ event: TrainerEvent)
    func evaluated(_ evaluation: Evaluation, _ event: TrainerEvent)
    func saveBegan(_ event: TrainerEvent)
    func saved(_ checkpoint: URL, _ event: TrainerEvent)
}

extension TrainerCallback {
    public func fitBegan(_ event: TrainerEvent) {}
    public func fitEnded(_ event: TrainerEvent) {}
    public func epochBegan(_ event: TrainerEvent) {}
    public func epochEnded(_ event: TrainerEvent) {}
    public func stepBegan(_ event: TrainerEvent) {}
    public func stepEnded(_ event: TrainerEvent) {}
    public func logged(_ record: LogRecord, _ event: TrainerEvent) {}
    public func evaluationBegan(_ event: TrainerEvent) {}
    public func evaluated(_ evaluation: Evaluation, _ event: TrainerEvent) {}
    public func saveBegan(_ event: TrainerEvent) {}
    public func saved(_ checkpoint: URL, _ event: TrainerEvent) {}
}

/// What a callback sees: the trainer's state at the event and the switches it may flip.
public struct TrainerEvent {
    public let state: TrainerState
    public let control: TrainerControl
    public let batchesPerEpoch: Int
    /// Examples in the step just taken (stepEnded), for throughput.
    public let stepExamples: Int

    public var epochProgress: Double { state.epochProgress(batchesPerEpoch: batchesPerEpoch) }

    public init(state: TrainerState, control: TrainerControl, batchesPerEpoch: Int, stepExamples: Int) {
        self.state = state
        self.control = control
        self.batchesPerEpoch = batchesPerEpoch
        self.stepExamples = stepExamples
    }
}

/// Requests from callbacks, acted on at the end of the current step and then cleared.
public final class TrainerControl {
    public var shouldEvaluate = false
    public var shouldSave = false
    public var shouldStop = false

    public init() {}
}

/// One line of metrics.jsonl: the step, the epoch (fractional) and named values (`loss`, `learning_rate`,
/// `grad_norm` when training; `eval_…` after an evaluation).
public struct LogRecord: Sendable, Equatable {
    public var step: Int
    public var epoch: Double
    public var values: [String: Double]

    public init(step: Int, epoch: Double, values: [String: Double]) {
        self.step = step
        self.epoch = epoch
        self.values = values
    }

    /// One JSON object, keys sorted after `step` and `epoch`; a non-finite value is written as null.
    public func json() -> String {
        func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
        var parts = ["\"step\": \(step)", "\"epoch\": \(number(epoch))"]
        for key in values.keys.sorted() { parts.append("\(jsonQuoted(key)): \(number(values[key]!))") }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    /// Reads a line written by `json()`.
    public init?(json line: Substring) {
        guard let data = line.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let step = object["step"] as? Int else { return nil }
        self.step = step
        epoch = (object["epoch"] as? Double) ?? 0
        values = [:]
        for (key, value) in object where key != "step" && key != "epoch" {
            if let number = value as? Double { values[key] = number } else if value is NSNull { values[key] = .nan }
        }
    }
}
