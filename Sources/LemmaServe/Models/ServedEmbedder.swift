import Foundation
import LemmaModels
import LemmaTensor

/// A BERT-family sentence encoder (e.g. all-MiniLM-L6-v2): texts batched dynamically under a token budget.
final class ServedEmbedder: ServedModel, @unchecked Sendable {
    struct Input: Sendable {
        let text: String
        let normalize: Bool
    }

    let name: String
    let kind = ModelKind.embedder
    let encoder: BertEncoder
    let queue: BatchQueue<String, [Float]>
    let maxInputTokens: Int

    init(name: String, encoder: BertEncoder, executor: ComputeExecutor, options: ServeOptions, metrics: ServerMetrics) {
        self.name = name
        self.encoder = encoder
        maxInputTokens = options.maxInputTokens
        let dimension = encoder.dimension
        queue = BatchQueue(name: name, executor: executor, options: options, metrics: metrics) { texts, key in
            let normalize = key as? Bool
            // Sub-batches of similar lengths (embed sorts by length): less padding than one batch of all.
            let vectors = encoder.embed(texts, batchSize: 4, normalize: normalize).scalars
            return (0..<texts.count).map { Array(vectors[($0 * dimension)..<(($0 + 1) * dimension)]) }
        }
    }

    var details: [String: Any] { ["task": "embedding", "dimension": encoder.dimension, "max_input_tokens": encoder.maxLength] }

    /// Embeddings and the tokens each text took (after truncation to the model's length, as sentence-transformers
    /// truncates). A text over the server's `--max-input-tokens` is refused, as the other endpoints refuse one.
    func embed(_ texts: [String], normalize: Bool?) async throws -> (vectors: [[Float]], tokens: [Int]) {
        // A piece is at least one byte, plus [CLS] and [SEP]: only a longer text needs counting untruncated.
        for (index, text) in texts.enumerated() where text.utf8.count + 2 > maxInputTokens {
            let count = encoder.tokenCount(text)
            guard count <= maxInputTokens else {
                throw APIError.invalid("input \(index) has \(count) tokens; the server takes at most \(maxInputTokens)", code: "input_too_long")
            }
        }
        let counts = texts.map { encoder.tokenize($0).count }
        // `nil` (the model's own setting) and explicit choices batch separately.
        let key: AnyHashable = normalize.map { AnyHashable($0) } ?? AnyHashable("default")
        return (try await queue.submit(texts, costs: counts, key: key), counts)
    }
}
