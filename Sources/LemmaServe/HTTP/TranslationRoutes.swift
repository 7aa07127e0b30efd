import Foundation
import Hummingbird

/// `POST /v1/translate` for seq2seq runs: `input` (a string or several), and optionally `beams`, `n`
/// (hypotheses per input, best first), or `sample` with `temperature`, `top_k`, `top_p`, `seed`.
struct TranslationRoutes {
    let catalog: ModelCatalog
    let handling: RequestHandling
    let options: ServeOptions

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/translate") { request, _ in
            try await handling.json(request) { body in
                let model = try catalog.model(try body.string("model"), as: ServedTranslator.self, kind: .translator)
                let (texts, _) = try body.texts("input", limit: options.maxInputsPerRequest)
                var settings = ServedTranslator.Settings()
                settings.beams = try body.int("beams", in: 1...16)
                settings.n = try body.int("n", in: 1...options.maxChoices) ?? 1
                settings.sample = try body.bool("sample") ?? false
                settings.temperature = try body.float("temperature", in: 0.01...10)
                settings.topK = try body.int("top_k", in: 0...1_000_000)
                settings.topP = try body.float("top_p", in: 0.000001...1)
                if settings.sample {
                    settings.seed = try body.int("seed", in: Int(Int64.min)...Int(Int64.max)).map { UInt64(bitPattern: Int64($0)) } ?? UInt64.random(in: 0...UInt64.max)
                    settings.alone = UUID()
                } else if settings.temperature != nil || settings.topK != nil || settings.topP != nil || body.has("seed") {
                    throw APIError.invalid("'temperature', 'top_k', 'top_p' and 'seed' apply only with \"sample\": true")
                }
                let results = try await model.translate(texts, settings: settings)
                let data: [[String: Any]] = results.enumerated().map { index, hypotheses in
                    ["index": index, "text": hypotheses.first?.text ?? "", "score": Double(hypotheses.first?.score ?? 0),
                     "hypotheses": hypotheses.map { ["text": $0.text, "score": Double($0.score)] }]
                }
                return JSON.response(["object": "list", "model": model.name, "data": data])
            }
        }
    }
}
