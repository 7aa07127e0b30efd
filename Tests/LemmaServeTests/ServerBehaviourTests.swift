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

    /// One sequence decodes at a time and two may wait; a request's sequences are queued all or none. A request
    /// for more sequences than the queue ever holds is a 400 (no retry would change it); while one of a
    /// running request's two sequences waits, a request for two is refused whole with 503 and Retry-After,
    /// and nothing of it is left queued.
    @Test func aFullQueueIs503WithRetryAfter() async throws {
        let server = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2Long)] }) {
            $0.maxActiveSequences = 1
            $0.queueCapacity = 2
        }
        try await server.withLivePort { port in
            @Sendable func complete(_ json: String) async throws -> (head: String, body: String) {
                try await blocking { try RawHTTPClient.exchange(port: port, "POST /v1/completions", json: json) }
            }
            @Sendable func metric(_ name: String) async throws -> Double {
                CompletionTests.metric(try await blocking { try RawHTTPClient.exchange(port: port, "GET /metrics").body }, "\(name){model=\"gpt2-long\"}")
            }
            let tooMany = try await complete(#"{"prompt": "x", "max_tokens": 1, "n": 3}"#)
            #expect(tooMany.head.hasPrefix("HTTP/1.1 400"), "\(tooMany.head)")
            #expect(tooMany.body.contains("too_many_inputs"), "\(tooMany.body)")

            // Two long sequences: the first decodes, the second waits (for 600 of the first's tokens), while a
            // request for two more comes. On a machine slow enough that the first sequence ends before it does,
            // the scenario is tried again (at most three times).
            let long = #"{"prompt": "Once", "max_tokens": 600, "ignore_eos": true, "n": 2, "stream": true}"#
            var refused = (head: "", body: "")
            for _ in 0..<3 {
                let holder = try await blocking { () throws -> RawHTTPClient in
                    let socket = try RawHTTPClient(port: port)
                    try socket.send("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(long.utf8.count)\r\n\r\n\(long)")
                    return socket
                }
                var waiting = -1.0
                let deadline = ContinuousClock.now + .seconds(20)
                while waiting != 1, ContinuousClock.now < deadline { waiting = try await metric("lemma_queue_length") }
                #expect(waiting == 1)
                refused = try await complete(#"{"prompt": "x", "max_tokens": 1, "n": 2}"#)
                if refused.head.hasPrefix("HTTP/1.1 503") { #expect(try await metric("lemma_queue_length") <= 1) }
                // The long request's client leaves; then the server is idle again.
                holder.close()
                var busy = 1.0
                let idleDeadline = ContinuousClock.now + .seconds(20)
                while busy > 0, ContinuousClock.now < idleDeadline {
                    busy = max(try await metric("lemma_queue_length"), try await metric("lemma_active_sequences"))
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(busy <= 0)
                if refused.head.hasPrefix("HTTP/1.1 503") { break }
            }
            #expect(refused.head.hasPrefix("HTTP/1.1 503"), "\(refused.head)")
            #expect(refused.head.lowercased().contains("retry-after: 1"), "\(refused.head)")
            #expect(refused.body.contains("queue_full"), "\(refused.body)")
            // A request for two (the whole queue) is served once the queue is free.
            let served = try await complete(#"{"prompt": "x", "max_tokens": 2, "n": 2}"#)
            #expect(served.head.hasPrefix("HTTP/1.1 200"), "\(served.head) \(served.body)")
        }
    }

    /// A client that goes away mid-generation (streaming or not) stops its sequence within a few tokens.
    @Test func aDepartedClientCancelsItsGeneration() async throws {
        let server = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2Long)] })
        try await server.withLivePort { port in
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
                let metrics = try await blocking { try RawHTTPClient.exchange(port: port, "GET /metrics").body }
                active = CompletionTests.metric(metrics, #"lemma_active_sequences{model="gpt2-long"}"#)
                generated = CompletionTests.metric(metrics, #"lemma_generated_tokens_total{model="gpt2-long"}"#)
                if active == 0 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(active == 0)
            #expect(generated > 0 && generated < 600, "generated \(generated) tokens")
        }
    }

    /// A body declared larger than the limit is refused before any of it is read; a client that sends part of
    /// a body and stalls is answered 408 when the request time limit passes, not held for ever.
    @Test func hugeDeclaredAndStalledBodiesAreAnsweredAtOnceAndOnTime() async throws {
        let server = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2), .run(ServeFixtures.classifier)] }) {
            $0.requestTimeout = .seconds(2)
            $0.maxBodyBytes = 4096
        }
        try await server.withLivePort { port in
            for path in ["/v1/completions", "/v1/classify"] {
                // The head alone, announcing a terabyte.
                let huge = try await blocking { () throws -> String in
                    let socket = try RawHTTPClient(port: port)
                    defer { socket.close() }
                    try socket.send("POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n")
                    return try socket.receiveResponse()
                }
                #expect(huge.hasPrefix("HTTP/1.1 413") && huge.contains("body_too_large"), "\(path): \(huge)")
                // Half a body, then nothing.
                let started = ContinuousClock.now
                let stalled = try await blocking { () throws -> String in
                    let socket = try RawHTTPClient(port: port)
                    defer { socket.close() }
                    try socket.send("POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"input\": ")
                    return try socket.receiveResponse()
                }
                let waited = ContinuousClock.now - started
                #expect(stalled.hasPrefix("HTTP/1.1 408") && stalled.contains("\"timeout\""), "\(path): \(stalled)")
                #expect(waited >= .milliseconds(1900) && waited < .seconds(12), "\(path): answered after \(waited)")
            }
            let fine = try await blocking { try RawHTTPClient.exchange(port: port, "POST /v1/classify", json: #"{"input": "lemma proof"}"#) }
            #expect(fine.head.hasPrefix("HTTP/1.1 200"), "\(fine.head)")
        }
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
        // A server that never answers fails the test (EIO from receive) instead of hanging it.
        var limit = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
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

    /// One response with a Content-Length, head and body, however many reads it takes.
    func receiveResponse() throws -> String {
        var text = ""
        while true {
            text += try receive()
            guard let end = text.range(of: "\r\n\r\n") else { continue }
            let head = text[..<end.lowerBound].lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if text[end.upperBound...].utf8.count >= length { return text }
        }
    }

    /// One request's whole response, head and body, on a connection of its own that the server closes
    /// after it; `json` becomes the request's body.
    static func exchange(port: Int, _ requestLine: String, json: String? = nil) throws -> (head: String, body: String) {
        let client = try RawHTTPClient(port: port)
        defer { client.close() }
        var request = "\(requestLine) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        if let json { request += "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n" }
        try client.send(request + "\r\n" + (json ?? ""))
        var text = ""
        while true {
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = recv(client.descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            text += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        let parts = text.components(separatedBy: "\r\n\r\n")
        return (parts[0], parts.dropFirst().joined(separator: "\r\n\r\n"))
    }
}
