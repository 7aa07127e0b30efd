import Foundation
import Hummingbird

/// `GET /health` (503 while loading, 200 after), `GET /v1/models`, `GET /metrics` (Prometheus text),
/// `GET /openapi.json` and the page at `/`.
struct SystemRoutes {
    let catalog: ModelCatalog
    let metrics: ServerMetrics
    let started: Date

    func add(to router: Router<BasicRequestContext>) {
        router.get("/health") { _, _ in
            if let failure = catalog.loadFailure {
                return JSON.response(["status": "failed", "error": failure], status: .serviceUnavailable)
            }
            guard catalog.isReady else { return APIError.loading.response }
            var names: [String] = []
            for model in catalog.all where !names.contains(model.name) { names.append(model.name) }
            return JSON.response(["status": "ok", "models": names])
        }
        router.get("/v1/models") { _, _ in
            try catalog.requireReady()
            let created = Int(started.timeIntervalSince1970)
            let data: [[String: Any]] = catalog.all.map { model in
                ["id": model.name, "object": "model", "created": created, "owned_by": "lemma", "kind": model.kind.rawValue,
                 "details": model.details]
            }
            return JSON.response(["object": "list", "data": data])
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.text)))
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: try Self.resource("openapi.json"))))
        }
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: try Self.resource("index.html"))))
        }
    }

    static func resource(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Resources"),
              let data = FileManager.default.contents(atPath: url.path) else {
            throw APIError(.internalServerError, "the server's \(name) is missing from its bundle", type: "server_error")
        }
        return data
    }
}
