import Foundation
import Hummingbird

/// `POST /v1/im2latex`: a PNG body (`Content-Type: image/png`), or a `multipart/form-data` upload of one or
/// more images (any field names), → the LaTeX of each. `?beams=N` overrides the run's beam size;
/// `?render=true` adds each prediction rendered to PNG (a data URL) as `rendering`.
struct Im2LatexRoutes {
    let catalog: ModelCatalog
    let handling: RequestHandling
    let options: ServeOptions

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/im2latex") { request, _ in
            let contentType = request.headers[.contentType] ?? ""
            let query = request.uri.queryParameters
            let modelName = query["model"].map(String.init)
            let beamText = query["beams"].map(String.init)
            let renderText = query["render"].map(String.init)
            return try await handling.raw(request) { buffer in
                let model = try catalog.model(modelName, as: ServedIm2Latex.self, kind: .im2latex)
                var render = false
                if let renderText {
                    guard ["true", "false"].contains(renderText) else {
                        throw APIError.invalid("'render' must be true or false, got '\(renderText)'", code: "invalid_type")
                    }
                    render = renderText == "true"
                }
                var beams: Int?
                if let beamText {
                    guard let value = Int(beamText), (1...16).contains(value) else {
                        throw APIError.invalid("'beams' must be an integer between 1 and 16, got '\(beamText)'")
                    }
                    beams = value
                }
                let body = Data(buffer.readableBytesView)
                var uploads: [(name: String, data: Data)] = []
                if let boundary = MultipartForm.boundary(of: contentType) {
                    let form = try MultipartForm(body, boundary: boundary)
                    uploads = form.parts.filter { $0.filename != nil || $0.contentType?.hasPrefix("image/") == true }
                        .enumerated().map { ($0.element.filename ?? "part \($0.offset + 1)", $0.element.data) }
                    guard !uploads.isEmpty else { throw APIError.invalid("the form has no image file", code: "missing_field") }
                    guard uploads.count <= options.maxInputsPerRequest else {
                        throw APIError.invalid("the form has \(uploads.count) images; the server takes at most \(options.maxInputsPerRequest)", code: "too_many_inputs")
                    }
                } else {
                    guard contentType.lowercased().hasPrefix("image/png") || contentType.isEmpty || contentType == "application/octet-stream" else {
                        throw APIError(.unsupportedMediaType, "send a PNG as 'image/png' or in a 'multipart/form-data' upload, not '\(contentType)'",
                                       code: "unsupported_media_type")
                    }
                    uploads = [("request body", body)]
                }
                let images = try uploads.map { try model.image($0.data, name: $0.name) }
                let results = try await model.transcribe(images, beams: beams)
                let renderings = render ? await FormulaPreview.render(results.map(\.latex)) : []
                let data: [[String: Any]] = zip(uploads, results).enumerated().map { index, pair in
                    var item: [String: Any] = ["index": index, "name": pair.0.name, "latex": pair.1.latex, "tokens": pair.1.tokens]
                    if render { item["rendering"] = renderings[index] ?? NSNull() }
                    return item
                }
                return JSON.response(["object": "list", "model": model.name, "data": data])
            }
        }
    }
}
