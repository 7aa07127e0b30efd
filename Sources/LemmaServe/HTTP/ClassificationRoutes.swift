import Foundation
import Hummingbird

/// `POST /v1/classify` (Lemma's: labels and every class's probability) and TEI's `POST /predict`
/// (each input's classes as `{"label", "score"}`, best first; a list of lists for a list of inputs).
struct ClassificationRoutes {
    let catalog: ModelCatalog
    let handling: RequestHandling
    let options: ServeOptions

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/classify") { request, _ in
            try await handling.json(request) { body in
                let model = try catalog.model(try body.string("model"), as: ServedClassifier.self, kind: .classifier)
                let (texts, _) = try body.texts("input", limit: options.maxInputsPerRequest)
                let predictions = try await model.classify(texts)
                let data: [[String: Any]] = predictions.enumerated().map { index, prediction in
                    ["index": index, "label": prediction.label,
                     "probabilities": Dictionary(uniqueKeysWithValues: zip(model.classes, prediction.probabilities.map(Double.init)))]
                }
                return JSON.response(["object": "list", "model": model.name, "data": data])
            }
        }
        router.post("/predict") { request, _ in
            try await handling.json(request) { body in
                let model = try catalog.model(try body.string("model"), as: ServedClassifier.self, kind: .classifier)
                let (texts, single) = try body.texts("inputs", limit: options.maxInputsPerRequest)
                let predictions = try await model.classify(texts)
                let lists: [[[String: Any]]] = predictions.map { prediction in
                    zip(model.classes, prediction.probabilities).sorted { $0.1 > $1.1 }.map { ["label": $0.0, "score": Double($0.1)] }
                }
                return JSON.response(single ? lists[0] as Any : lists as Any)
            }
        }
    }
}
