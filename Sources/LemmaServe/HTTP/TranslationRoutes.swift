import Foundation
import Hummingbird

/// `POST /v1/translate` for seq2seq runs: `input` (a string or several), and optionally `beams`, `n`
/// (hypotheses per input, best first), or `sample` with `temperature`, `top_k`, `top_p`, `uniform` (pick
/// uniformly among the tokens top-k / top-p keep, fastai course-nlp's variant), `seed`.
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
                settings.request.beams = try body.int("beams", in: 1...16)
                settings.request.n = try body.int("n", in: 1...options.maxChoices) ?? 1
                let temperature = try body.float("temperature", in: 0.01...10)
                let topK = try body.atLeast("top_k", 0)
                let topP = try body.probability("top_p")
                let seed = try body.seed("seed")
                let uniform = try body.bool("uniform")
                // Sampling settings without "sample" ask for sampling; with "sample": false they are ignored,
                // as Hugging Face's generate ignores them without do_sample.
                settings.request.sample = try body.bool("sample") ?? (temperature != nil || topK != nil || topP != nil || seed != nil || uniform == true)
                if settings.request.sample {
                    (settings.request.temperature, settings.request.topK, settings.request.topP) = (temperature, topK, topP)
                    settings.request.uniformWithinSet = uniform ?? false
                    settings.request.seed = seed ?? UInt64.random(in: 0...UInt64.max)
                    settings.alone = UUID()
                } else if let beams = settings.request.beams ?? model.configuredBeams, settings.request.n > beams {
                    // n-best wider than the beam: widen the beam.
                    settings.request.beams = settings.request.n
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
