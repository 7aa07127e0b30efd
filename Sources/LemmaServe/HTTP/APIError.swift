import Foundation
import Hummingbird

/// An error a client sees, in OpenAI's shape: `{"error": {"message", "type", "code"}}`, with its HTTP status.
public struct APIError: Error, CustomStringConvertible, Sendable {
    public let status: HTTPResponse.Status
    public let message: String
    public let type: String
    public let code: String?
    /// Seconds a client should wait before trying again (503 when the queue is full).
    public var retryAfter: Int?

    public init(_ status: HTTPResponse.Status, _ message: String, type: String = "invalid_request_error", code: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.code = code
    }

    public var description: String { "\(status.code) \(type): \(message)" }

    static func invalid(_ message: String, code: String = "invalid_value") -> APIError { APIError(.badRequest, message, code: code) }
    static func field(_ name: String, _ expected: String) -> APIError {
        APIError(.badRequest, "'\(name)': expected \(expected)", code: "invalid_type")
    }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, message, code: "not_found") }
    static var overloaded: APIError {
        var error = APIError(.serviceUnavailable, "the server is at capacity; retry shortly", type: "server_error", code: "queue_full")
        error.retryAfter = 1
        return error
    }
    static var loading: APIError {
        var error = APIError(.serviceUnavailable, "the models are still loading", type: "server_error", code: "loading")
        error.retryAfter = 5
        return error
    }
    static func bodyTooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "the request body is larger than the server's limit of \(limit) bytes", code: "body_too_large")
    }
    static var timeout: APIError { APIError(.requestTimeout, "the request took longer than the server's limit", type: "timeout_error", code: "timeout") }
    static var shuttingDown: APIError {
        APIError(.serviceUnavailable, "the server is shutting down", type: "server_error", code: "shutting_down")
    }

    /// The JSON body.
    var body: [String: Any] {
        ["error": ["message": message, "type": type, "code": code as Any? ?? NSNull()] as [String: Any]]
    }

    var response: Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        // The body was left unread or half read: the client should not send another request on this connection.
        if status == .contentTooLarge || status == .requestTimeout { headers[.connection] = "close" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSON.data(body))))
    }
}
