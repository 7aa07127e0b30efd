import Foundation
import Hummingbird
import NIOCore

/// What every model endpoint does around its work: read the body within the size limit, give up after the
/// request time limit, and, for long work, cancel it when the client disconnects.
struct RequestHandling: Sendable {
    let options: ServeOptions

    /// `work` on the request's JSON body, cancelled when the time limit passes (which counts reading the body,
    /// so a client that sends part of one and stalls is answered 408). With `cancelOnDisconnect` (long work:
    /// a completion), also when the client goes away; Hummingbird then closes the connection after the
    /// response, so short requests (batched encoders) keep their connection instead.
    func json(_ request: Request, cancelOnDisconnect: Bool = false,
              _ work: @escaping @Sendable (JSONRequest) async throws -> Response) async throws -> Response {
        let headers = request.headers
        guard cancelOnDisconnect else {
            return try await timed { [body = request.body] in try await work(try JSONRequest(try await collect(body, headers: headers))) }
        }
        var response = try await request.body.consumeWithCancellationOnInboundClose { body in
            // Errors become responses here, so that they too tell the client the connection closes.
            do {
                return try await timed { try await work(try JSONRequest(try await collect(body, headers: headers))) }
            } catch let error as APIError {
                return error.response
            }
        }
        response.headers[.connection] = "close"
        return response
    }

    /// `work` on the raw body (an image upload), cancelled when the time limit passes.
    func raw(_ request: Request, _ work: @escaping @Sendable (ByteBuffer) async throws -> Response) async throws -> Response {
        try await timed { [body = request.body, headers = request.headers] in try await work(try await collect(body, headers: headers)) }
    }

    /// The whole body, refused (413) past the size limit: at once when Content-Length declares more, so that
    /// a client announcing gigabytes gets its answer before sending them.
    func collect(_ body: RequestBody, headers: HTTPFields) async throws -> ByteBuffer {
        let limit = options.maxBodyBytes
        if let declared = headers[.contentLength].flatMap({ Int($0) }), declared > limit { throw APIError.bodyTooLarge(limit) }
        do {
            return try await body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limit)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge(limit)
        }
    }

    func timed(_ work: @escaping @Sendable () async throws -> Response) async throws -> Response {
        let timeout = options.requestTimeout
        return try await withThrowingTaskGroup(of: Response.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw APIError.timeout
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
