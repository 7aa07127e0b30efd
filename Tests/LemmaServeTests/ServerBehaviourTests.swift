import Foundation
import Hummingbird
import HummingbirdTesting
import Lemma
import LemmaServe
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Health while loading, the API key, a full queue, clients that leave, and bad requests in bulk.
struct ServerBehaviourTests {
    @Test func healthIs503UntilTheModelsAreLoaded() async throws {
        let server = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2)] })
        try await server.withLiveClient(load: false) { client in
            let loading = try await client.get("/health")
            #expect(loading.status == .serviceUnavailable)
            #expect(loading.headers[.retryAfter] != nil)
            #expect(try await client.post("/v1/completions", #"{"prompt": "x"}"#).status == .serviceUnavailable)
            server.startLoading()
            try await server.waitUntilReady()
            let ready = try await client.get("/health")
            #expect(ready.status == .ok)
            let models = try await client.get("/v1/models")
            #expect((models.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == ["gpt2-random"])
        }
    }

    @Test func apiKeyGuardsEverythingButHealthThePageAndTheSpec() async throws {
        let server = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2)] }) { $0.apiKey = "s3cret" }
        try await server.withLiveClient { client in
            #expect(try await client.get("/health").status == .ok)
            #expect(try await client.get("/").status == .ok)
            #expect(try await client.get("/openapi.json").status == .ok)
            for path in ["/v1/models", "/metrics"] {
                let refused = try await client.get(path)
                #expect(refused.status == .unauthorized)
                #expect((refused.json["error"] as? [String: Any])?["code"] as? String == "invalid_api_key")
                #expect(try await client.get(path, headers: [.authorization: "Bearer wrong"]).status == .unauthorized)
                #expect(try await client.get(path, headers: [.authorization: "Bearer s3cret"]).status == .ok)
            }
            let completion = try await client.post("/v1/completions", #"{"prompt": "x", "max_tokens": 2}"#, headers: [.authorization: "Bearer s3cret"])
            #expect(completion.status == .ok)
        }
    }

    /// One sequence decodes at a time and one may wait: a request for three choices fills both and is
    /// refused with 503 and Retry-After; nothing of it is left running.
    @Test func aFullQueueIs503WithRetryAfter() async throws {
        let server = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2)] }) {
            $0.maxActiveSequences = 1
            $0.queueCapacity = 1
        }
        try await server.withLiveClient { client in
            let refused = try await client.post("/v1/completions", #"{"prompt": "x", "max_tokens": 50, "n": 3}"#)
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] == "1")
            #expect((refused.json["error"] as? [String: Any])?["code"] as? String == "queue_full")
            try await Self.waitForIdle(client, model: "gpt2-random")
            #expect(try await client.post("/v1/completions", #"{"prompt": "x", "max_tokens": 5}"#).status == .ok)
        }
    }

    /// A client that goes away mid-generation (streaming or not) stops its sequence within a few tokens.
    @Test func aDepartedClientCancelsItsGeneration() async throws {
        let server = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2Long)] })
        server.startLoading()
        try await server.waitUntilReady()
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let app = server.application { port in portSink.yield(port) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            for stream in [true, false] {
                let body = #"{"prompt": "Once", "max_tokens": 600, "temperature": 0.7, "seed": 1, "stream": \#(stream)}"#
                let received = try await blocking { () throws -> String in
                    let socket = try RawHTTPClient(port: port)
                    defer { socket.close() }
                    try socket.send("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                    guard stream else { Thread.sleep(forTimeInterval: 0.03); return "" }
                    // Headers first, then the first event.
                    var received = ""
                    for _ in 0..<10 where !received.contains("data: ") { received += try socket.receive() }
                    return received
                }
                #expect(!stream || received.contains("data: "))
            }
            // Both sequences leave the batch long before 600 tokens each.
            let deadline = ContinuousClock.now + .seconds(20)
            var generated = -1.0, active = -1.0
            while ContinuousClock.now < deadline {
                let metrics = try await blocking { try RawHTTPClient.get(port: port, path: "/metrics") }
                active = CompletionTests.metric(metrics, #"lemma_active_sequences{model="gpt2-long"}"#)
                generated = CompletionTests.metric(metrics, #"lemma_generated_tokens_total{model="gpt2-long"}"#)
                if active == 0 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(active == 0)
            #expect(generated > 0 && generated < 600, "generated \(generated) tokens")
            group.cancelAll()
        }
        server.stopComputing()
    }

    @Test func aBurstOfBadRequestsLeavesTheServerAnswering() async throws {
        let server = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2), .run(ServeFixtures.classifier)] })
        try await server.withLiveClient { client in
            let bad = ["", "null", "[]", "{\"prompt\": {}}", "{\"input\": [1, 2]}", "{\"input\": \"\\ud800\"}", String(repeating: "{", count: 5000),
                       "{\"prompt\": \"x\", \"max_tokens\": -1}", "{\"prompt\": \"x\", \"n\": 1e300}", "{\"prompt\": \"x\", \"seed\": \"s\"}",
                       "{\"input\": []}", "\u{FEFF}{}", "{\"prompt\": \"x\", \"stop\": [1]}", "{\"inputs\": \"x\", \"model\": 3}"]
            let routes = ["/v1/completions", "/v1/classify", "/predict", "/v1/embeddings", "/embed", "/v1/nothing"]
            var statuses: [Int] = []
            // Twelve at a time: the test client's connection pool, not the server, limits the burst.
            for chunk in stride(from: 0, to: bad.count * routes.count, by: 12) {
                statuses += try await withThrowingTaskGroup(of: Int.self) { group in
                    for i in chunk..<min(chunk + 12, bad.count * routes.count) {
                        group.addTask { Int(try await client.post(routes[i % routes.count], bad[i / routes.count]).status.code) }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
            }
            #expect(statuses.allSatisfy { (400..<500).contains($0) }, "\(Set(statuses))")
            #expect(try await client.post("/v1/completions", #"{"prompt": "fine", "max_tokens": 3}"#).status == .ok)
            #expect(try await client.post("/v1/classify", #"{"input": "lemma proof"}"#).status == .ok)
        }
    }

    static func waitForIdle(_ client: some TestClientProtocol, model: String) async throws {
        for _ in 0..<200 {
            let metrics = try await client.get("/metrics").text
            if CompletionTests.metric(metrics, "lemma_active_sequences{model=\"\(model)\"}") <= 0,
               CompletionTests.metric(metrics, "lemma_queue_length{model=\"\(model)\"}") <= 0 { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("\(model) did not become idle")
    }
}

/// A bare HTTP/1.1 client over a POSIX socket, for what HTTP client libraries hide: hanging up mid-response.
struct RawHTTPClient {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(descriptor, bytes, bytes.count, 0) == bytes.count else { throw POSIXError(.EIO) }
    }

    func receive() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { throw POSIXError(.EIO) }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    func close() { _ = Glibc.close(descriptor) }

    /// A whole GET response's body (the server closes nothing; the body is read up to Content-Length).
    static func get(port: Int, path: String) throws -> String {
        let client = try RawHTTPClient(port: port)
        defer { client.close() }
        try client.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        var text = ""
        while true {
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = recv(client.descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            text += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        return text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
    }
}
