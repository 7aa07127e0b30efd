import Foundation
import LemmaModels

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
        queue = BatchQueue(name: name, executor: executor, options: options, metrics: metrics) { texts, _ in
            run.predict(texts).map { Prediction(label: $0.label, probabilities: $0.probabilities) }
        }
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
