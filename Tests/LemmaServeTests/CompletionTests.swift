import Foundation
import Hummingbird
import HummingbirdTesting
import Lemma
import Testing
import LemmaServe

/// `POST /v1/completions`: OpenAI's fields, streaming, stop strings, and continuous batching that gives every
/// request what it would get alone.
struct CompletionTests {
    static func texts(_ response: TestResponse) -> [String] {
        ((response.json["choices"] as? [[String: Any]]) ?? []).sorted { ($0["index"] as! Int) < ($1["index"] as! Int) }.map { $0["text"] as! String }
    }

    /// The `data:` payloads of a server-sent event stream.
    static func events(_ text: String) -> [String] {
        text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { event in
            #expect(event.hasPrefix("data: "), "not an SSE data line: \(event)")
            return String(event.dropFirst(6))
        }
    }

    @Test func completionStreamAndUsage() async throws {
        let server = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2)] })
        try await server.withLiveClient { client in
            let whole = try await client.post("/v1/completions", #"{"prompt": "The theorem", "max_tokens": 12, "seed": 3, "temperature": 0.8}"#)
            #expect(whole.status == .ok)
            let json = whole.json
            #expect(json["object"] as? String == "text_completion")
            #expect(json["model"] as? String == "gpt2-random")
            let usage = json["usage"] as? [String: Int] ?? [:]
            #expect(usage["prompt_tokens"] == 2)  // "The", " theorem"
            let generated = usage["completion_tokens"] ?? 0
            #expect((1...12).contains(generated))
            #expect(usage["total_tokens"] == 2 + generated)
            let choice = (json["choices"] as? [[String: Any]])?.first ?? [:]
            let finish = choice["finish_reason"] as? String
            #expect(finish == (generated == 12 ? "length" : "stop"))

            // The same request streamed: the deltas add up to the same text, then usage, then [DONE].
            let streamed = try await client.post("/v1/completions", #"{"prompt": "The theorem", "max_tokens": 12, "seed": 3, "temperature": 0.8, "stream": true, "stream_options": {"include_usage": true}}"#)
            #expect(streamed.status == .ok)
            #expect(streamed.headers[.contentType] == "text/event-stream")
            let events = Self.events(streamed.text)
            #expect(events.last == "[DONE]")
            var text = ""
            var finishes: [String] = []
            var streamedUsage: [String: Int]?
            for event in events.dropLast() {
                let object = try JSONSerialization.jsonObject(with: Data(event.utf8)) as! [String: Any]
                let choices = object["choices"] as! [[String: Any]]
                if let usage = object["usage"] as? [String: Int] { streamedUsage = usage; #expect(choices.isEmpty) }
                for choice in choices {
                    text += choice["text"] as! String
                    if let reason = choice["finish_reason"] as? String { finishes.append(reason) }
                }
            }
            #expect(text == Self.texts(whole)[0])
            #expect(finishes == [finish ?? "?"])
            #expect(streamedUsage == usage)
        }
    }

    @Test func concurrentRequestsGetWhatTheyGetAlone() async throws {
        let requests = (0..<6).map { i in
            #"{"prompt": "\#(["Let x", "Proof.", "", "We define", "Hence", "A set"][i])", "max_tokens": \#(6 + 3 * i), "seed": \#(100 + i), "#
                + (i % 3 == 0 ? #""temperature": 0"# : i % 3 == 1 ? #""top_k": 5, "temperature": 1.3"# : #""top_p": 0.7, "n": 2"#) + "}"
        }
        // Alone: one at a time through a batch of one.
        let alone = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2)] }) { $0.maxActiveSequences = 1 }
        nonisolated(unsafe) var expected: [[String]] = []
        try await alone.withLiveClient { client in
            for request in requests { expected.append(Self.texts(try await client.post("/v1/completions", request))) }
        }
        // Together: all at once, joining and leaving one continuous batch.
        let together = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2)] })
        try await together.withLiveClient { client in
            let results = try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
                for (i, request) in requests.enumerated() {
                    group.addTask { (i, Self.texts(try await client.post("/v1/completions", request))) }
                }
                return try await group.reduce(into: [Int: [String]]()) { $0[$1.0] = $1.1 }
            }
            for i in requests.indices { #expect(results[i] == expected[i], "request \(i)") }
            // Some steps ran several sequences at once: fewer steps had one sequence than there were steps.
            let metrics = try await client.get("/metrics").text
            let single = Self.metric(metrics, #"lemma_batch_size_bucket{model="gpt2-random",le="1.0"}"#)
            let steps = Self.metric(metrics, #"lemma_batch_size_count{model="gpt2-random"}"#)
            #expect(single < steps, "steps with one sequence: \(single) of \(steps)")
        }
        #expect(expected.map(\.count) == [1, 1, 2, 1, 1, 2])
    }

    /// A sample's value in Prometheus text.
    static func metric(_ text: String, _ name: String) -> Double {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last!) } ?? -1
    }

    @Test func stopStringsCutTheTextBeforeThem() async throws {
        let server = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2)] })
        try await server.withLiveClient { client in
            let free = Self.texts(try await client.post("/v1/completions", #"{"prompt": "Q", "max_tokens": 30, "temperature": 0}"#))[0]
            let scalars = Array(free.unicodeScalars)
            try #require(scalars.count >= 8, "greedy output too short to pick a stop string: \(free)")
            let stop = String(String.UnicodeScalarView(scalars[4..<7]))
            let escaped = String(data: try JSONSerialization.data(withJSONObject: [stop]), encoding: .utf8)!
            let response = try await client.post("/v1/completions", #"{"prompt": "Q", "max_tokens": 30, "temperature": 0, "stop": \#(escaped)}"#)
            let choice = (response.json["choices"] as! [[String: Any]])[0]
            let cut = free.range(of: stop)!.lowerBound
            #expect(choice["text"] as? String == String(free[..<cut]))
            #expect(choice["finish_reason"] as? String == "stop")
        }
    }

    @Test func badCompletionRequestsAreOpenAIErrors() async throws {
        let server = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2)] }) { $0.maxBodyBytes = 2000 }
        try await server.withLiveClient { client in
            let cases: [(String, Int, String)] = [
                ("{", 400, "invalid_json"),
                (#"{"prompt": 5}"#, 400, "invalid_type"),
                (#"{"prompt": "x", "max_tokens": "ten"}"#, 400, "invalid_type"),
                (#"{"prompt": "x", "max_tokens": 100000}"#, 400, "invalid_value"),
                (#"{"prompt": "x", "temperature": true}"#, 400, "invalid_type"),
                (#"{"prompt": "x", "top_p": 0}"#, 400, "invalid_value"),
                (#"{"prompt": "x", "n": 0}"#, 400, "invalid_value"),
                (#"{"prompt": "x", "model": "nope"}"#, 404, "not_found"),
                (#"{"prompt": "x", "logprobs": 3}"#, 400, "unsupported_parameter"),
                (#"{"max_tokens": 3}"#, 400, "missing_field"),
                (#"{"prompt": []}"#, 400, "invalid_value"),
                (#"{"prompt": "\#(String(repeating: "word ", count: 100))"}"#, 400, "input_too_long"),
                (#"{"prompt": "\#(String(repeating: "x", count: 3000))"}"#, 413, "body_too_large"),
            ]
            for (body, status, code) in cases {
                let response = try await client.post("/v1/completions", body)
                #expect(Int(response.status.code) == status, "\(body.prefix(60))")
                let error = response.json["error"] as? [String: Any]
                #expect(error?["code"] as? String == code, "\(body.prefix(60)): \(response.text)")
                #expect((error?["message"] as? String)?.isEmpty == false)
                #expect(error?["type"] is String)
            }
            // Invalid UTF-8.
            let bytes = try await client.execute(uri: "/v1/completions", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(bytes: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D])) { $0 }
            #expect(bytes.status == .badRequest)
            // The server still answers.
            #expect(try await client.post("/v1/completions", #"{"prompt": "ok", "max_tokens": 2}"#).status == .ok)
        }
    }
}
