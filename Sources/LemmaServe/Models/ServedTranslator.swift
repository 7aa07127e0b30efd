import Foundation
import LemmaDecoding
import LemmaModels

/// A seq2seq run: sources batched dynamically, each batch decoded with one set of settings (requests with
/// different settings never share a batch; sampled requests run alone, so a seed gives the same output
/// whatever else is queued).
final class ServedTranslator: ServedModel, @unchecked Sendable {
    /// A request's decoding settings (the run's `decoding.*` where it gives none); sampled requests carry
    /// an identity of their own so that they never share a batch.
    struct Settings: Hashable, Sendable {
        var request = DecodingRequest()
        var alone: UUID?
    }

    let name: String
    let kind = ModelKind.translator
    let run: Seq2SeqRun
    let queue: BatchQueue<[Int32], [Hypothesis]>

    init(name: String, run: Seq2SeqRun, executor: ComputeExecutor, options: ServeOptions, metrics: ServerMetrics) {
        self.name = name
        self.run = run
        queue = BatchQueue(name: name, executor: executor, options: options, metrics: metrics) { sources, key in
            let settings = key as! Settings
            return try run.decode(sources, batchSize: sources.count) { settings.request.apply(to: &$0) }
        }
    }

    var details: [String: Any] { ["task": "seq2seq", "max_source_tokens": run.maxSourceLength, "beams": configuredBeams ?? 1] }

    /// The run's `decoding.beams`.
    var configuredBeams: Int? { run.configuration.int("decoding.beams") }

    /// Checks the settings against the run's decoding configuration before anything is queued.
    func validate(_ settings: Settings) throws {
        do { _ = try run.decodingOptions(sourceLength: 1) { settings.request.apply(to: &$0) } } catch {
            throw APIError.invalid("\(error)")
        }
    }

    func translate(_ texts: [String], settings: Settings) async throws -> [[(text: String, score: Float)]] {
        try validate(settings)
        let sources = texts.map { run.sourceIDs($0).ids }
        let hypotheses = try await queue.submit(sources, costs: sources.map { max(1, $0.count) }, key: settings)
        return hypotheses.map { $0.map { (run.targetText($0.tokens), $0.score) } }
    }
}
