import Foundation
import Hummingbird

/// OpenAI's `POST /v1/embeddings` and TEI's `POST /embed` (a list of vectors).
struct EmbeddingRoutes {
    let catalog: ModelCatalog
    let handling: RequestHandling
    let options: ServeOptions

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/embeddings") { request, _ in
            try await handling.json(request) { body in
                let model = try catalog.model(try body.string("model"), as: ServedEmbedder.self, kind: .embedder)
                let (texts, _) = try body.texts("input", limit: options.maxInputsPerRequest)
                if let format = try body.string("encoding_format"), format != "float" {
                    throw APIError.invalid("'encoding_format': only \"float\" is supported, got \"\(format)\"")
                }
                let (vectors, tokens) = try await model.embed(texts, normalize: nil)
                let data: [[String: Any]] = vectors.enumerated().map { index, vector in
                    ["object": "embedding", "index": index, "embedding": vector.map(Double.init)]
                }
                let total = tokens.reduce(0, +)
                return JSON.response(["object": "list", "model": model.name, "data": data,
                                      "usage": ["prompt_tokens": total, "total_tokens": total]])
            }
        }
        router.post("/embed") { request, _ in
            try await handling.json(request) { body in
                let model = try catalog.model(try body.string("model"), as: ServedEmbedder.self, kind: .embedder)
                let (texts, _) = try body.texts("inputs", limit: options.maxInputsPerRequest)
                let (vectors, _) = try await model.embed(texts, normalize: try body.bool("normalize") ?? true)
                return JSON.response(vectors.map { $0.map(Double.init) })
            }
        }
    }
}
