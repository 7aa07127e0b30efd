import Foundation
import Hummingbird

/// Outermost: times every request and counts it by route and status, after errors became responses.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    let routes: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        // Unknown paths share one label, so a scan of random URLs cannot grow the metrics without end.
        let route = routes.contains(request.uri.path) ? request.uri.path : "other"
        let response = try await next(request, context)
        metrics.request(route: route, method: request.method.rawValue, status: Int(response.status.code),
                        duration: ContinuousClock.now - start)
        return response
    }
}

/// Every failure as OpenAI's error object: ours as they are, Hummingbird's (unknown route, body too large)
/// with their status, anything else as a 500 that does not leak internals.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let log: @Sendable (String) -> Void
    /// Each route's methods, so a known path asked with another method is a 405 with `Allow`, not a 404.
    let methods: [String: String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as HTTPError where error.status == .notFound && methods[request.uri.path] != nil {
            var response = APIError(.methodNotAllowed, "\(request.uri.path) takes \(methods[request.uri.path]!), not \(request.method)",
                                    code: "method_not_allowed").response
            response.headers[.allow] = methods[request.uri.path]
            return response
        } catch let error as HTTPError {
            let type = error.status.code >= 500 ? "server_error" : "invalid_request_error"
            let message = error.body ?? error.status.reasonPhrase
            let code = error.status == .notFound ? "not_found" : error.status == .contentTooLarge ? "body_too_large" : nil
            return APIError(error.status, message, type: type, code: code).response
        } catch is CancellationError {
            return APIError(HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request"), "the request was cancelled",
                            type: "invalid_request_error", code: "cancelled").response
        } catch {
            log("error on \(request.method) \(request.uri.path): \(error)")
            return APIError(.internalServerError, "internal error: \(error)", type: "server_error").response
        }
    }
}

/// `Authorization: Bearer KEY` on every route but the page, `/health` and `/openapi.json`.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: String
    static var open: Set<String> { ["/", "/health", "/openapi.json"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if !Self.open.contains(request.uri.path) {
            let given = request.headers[.authorization]
            guard given == "Bearer \(key)" else {
                throw APIError(.unauthorized, given == nil ? "missing 'Authorization: Bearer' header" : "incorrect API key",
                               type: "invalid_request_error", code: "invalid_api_key")
            }
        }
        return try await next(request, context)
    }
}
