import Foundation
import LemmaModels
import LemmaTensor

/// A classification run: texts batched dynamically into one forward pass.
final class ServedClassifier: ServedModel, @unchecked Sendable {
    struct Prediction: Sendable {
        let label: String
        let probabilities: [Float]
    }

    let name: String
    let kind = ModelKind.classifier
    let run: ClassificationRun
    let queue: BatchQueue<String, Prediction>
    let maxInputTokens: Int

    init(name: String, run: ClassificationRun, executor: ComputeExecutor, options: ServeOptions, metrics: ServerMetrics) {
        self.name = name
        self.run = run
        maxInputTokens = options.maxInputTokens
        let ownThreads = options.computeThreads == nil
        queue = BatchQueue(name: name, executor: executor, options: options, metrics: metrics) { texts, _ in
            // A text classifier's forward pass is small: forking it over both cores costs more than it saves and
            // takes the core the HTTP side needs (measured: BENCHMARKS "Serving"), so it runs on one unless
            // --compute-threads says otherwise.
            guard ownThreads else { return Self.predictInGroups(texts, run: run) }
            let saved = CPUBackend.shared.threads
            CPUBackend.shared.threads = 1
            defer { CPUBackend.shared.threads = saved }
            return Self.predictInGroups(texts, run: run)
        }
    }

    /// Texts per forward pass within a batch: the batch sorted by length and cut into groups, so that short
    /// texts are not padded to the longest of 32 (each row's result does not depend on its neighbours).
    static let groupSize = 8
    /// Padded lengths are rounded up to a multiple of this: requests of every length then share a few
    /// shapes, and the convolutions oneDNN builds per shape stay in its cache instead of being rebuilt.
    static let padMultiple = 16

    static func predictInGroups(_ texts: [String], run: ClassificationRun) -> [Prediction] {
        let order = texts.indices.sorted { texts[$0].utf8.count < texts[$1].utf8.count }
        var results = [Prediction?](repeating: nil, count: texts.count)
        for start in stride(from: 0, to: order.count, by: groupSize) {
            let group = Array(order[start..<min(start + groupSize, order.count)])
            for (index, found) in zip(group, run.predict(group.map { texts[$0] }, padToMultipleOf: padMultiple)) {
                results[index] = Prediction(label: found.label, probabilities: found.probabilities)
            }
        }
        return results.map { $0! }
    }

    var classes: [String] { run.data.classes }
    var details: [String: Any] { ["task": "classification", "classes": classes] }

    func classify(_ texts: [String]) async throws -> [Prediction] {
        var costs: [Int] = []
        for (index, text) in texts.enumerated() {
            // A token is at least one byte: only a text with more bytes than the limit needs counting here
            // (the model tokenizes each text once, in its batch).
            let bytes = text.utf8.count
            if bytes > maxInputTokens {
                let count = run.data.tokenizer.encode(text).count
                guard count <= maxInputTokens else {
                    throw APIError.invalid("input \(index) has \(count) tokens; the server takes at most \(maxInputTokens)", code: "input_too_long")
                }
            }
            // The batch's padded size: about a token per five bytes of English, at most the model's length.
            costs.append(max(1, min(bytes / 5 + 1, run.maxLength)))
        }
        return try await queue.submit(texts, costs: costs)
    }
}
