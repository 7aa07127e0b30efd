import Foundation
import Hummingbird
import HummingbirdTesting
import Lemma
import LemmaServe
import Testing

/// Classification (`/v1/classify`, TEI's `/predict`) and embeddings (`/v1/embeddings`, TEI's `/embed`) answer
/// what the library computes directly.
struct EncoderEndpointTests {
    static let texts = ["lemma proof qed the", "define a notation of set", "theorem holds exists", "the a of"]

    @Test func classificationMatchesTheRunsOwnPredictions() async throws {
        let server = try await ServeFixtures.server({ [.run(ServeFixtures.classifier)] })
        let run = try #require(try TaskRegistry.open(RunDirectory(ServeFixtures.classifier)) as? ClassificationRun)
        try run.loadTrainedModel()
        let expected = run.predict(Self.texts)
        try await server.withLiveClient { client in
            let body = String(data: try JSONSerialization.data(withJSONObject: ["input": Self.texts]), encoding: .utf8)!
            let response = try await client.post("/v1/classify", body)
            #expect(response.status == .ok)
            let data = try #require(response.json["data"] as? [[String: Any]])
            #expect(data.count == Self.texts.count)
            for (row, item) in data.enumerated() {
                #expect(item["index"] as? Int == row)
                #expect(item["label"] as? String == expected[row].label)
                let probabilities = try #require(item["probabilities"] as? [String: Double])
                for (label, p) in zip(run.data.classes, expected[row].probabilities) {
                    #expect(abs((probabilities[label] ?? -1) - Double(p)) < 1e-6)
                }
            }
            // TEI: one input gives one list of {label, score}, best first; a list gives a list of lists.
            let single = try await client.post("/predict", #"{"inputs": "lemma proof qed the"}"#)
            let scores = try #require(try JSONSerialization.jsonObject(with: Data(single.text.utf8)) as? [[String: Any]])
            #expect(scores.first?["label"] as? String == expected[0].label)
            #expect(scores.map { $0["score"] as! Double } == scores.map { $0["score"] as! Double }.sorted(by: >))
            #expect(abs(scores.map { $0["score"] as! Double }.reduce(0, +) - 1) < 1e-5)
            let batch = try await client.post("/predict", #"{"inputs": ["a", "b", "c"]}"#)
            #expect((try JSONSerialization.jsonObject(with: Data(batch.text.utf8)) as? [[[String: Any]]])?.count == 3)
            // More texts than one length-sorted group (8), of mixed lengths: each gets its own prediction back.
            let many = (0..<13).map { i in Array(repeating: Self.texts[i % 4], count: 1 + i % 3).joined(separator: " ") }
            let manyBody = String(data: try JSONSerialization.data(withJSONObject: ["input": many]), encoding: .utf8)!
            let manyData = try #require(try await client.post("/v1/classify", manyBody).json["data"] as? [[String: Any]])
            let alone = many.map { run.predict([$0])[0] }
            for (item, expected) in zip(manyData, alone) {
                let probabilities = try #require(item["probabilities"] as? [String: Double])
                for (label, p) in zip(run.data.classes, expected.probabilities) { #expect(abs((probabilities[label] ?? -1) - Double(p)) < 1e-5) }
            }
            // A classifier has no completions.
            let wrong = try await client.post("/v1/completions", #"{"prompt": "x", "model": "classifier"}"#)
            #expect(wrong.status == .notFound)
            #expect((wrong.json["error"] as? [String: Any])?["code"] as? String == "wrong_model_kind")
        }
    }

    @Test func embeddingsMatchTheEncoder() async throws {
        let encoder = try BertEncoder(directory: ServeFixtures.bert)
        let expected = encoder.embed(Self.texts).scalars
        let dimension = encoder.dimension
        let server = try await ServeFixtures.server({ [.directory(ServeFixtures.bert)] }) {
            $0.maxBatchSize = 3
            $0.maxInputTokens = 40
        }
        try await server.withLiveClient { client in
            // Concurrent requests of one text each, batched together, give each text its own vector.
            let vectors = try await withThrowingTaskGroup(of: (Int, [Double], Int).self) { group in
                for (i, text) in Self.texts.enumerated() {
                    group.addTask {
                        let body = String(data: try JSONSerialization.data(withJSONObject: ["input": text, "model": "bert-tiny"]), encoding: .utf8)!
                        let response = try await client.post("/v1/embeddings", body)
                        let item = (response.json["data"] as! [[String: Any]])[0]
                        let usage = response.json["usage"] as! [String: Int]
                        return (i, item["embedding"] as! [Double], usage["prompt_tokens"]!)
                    }
                }
                return try await group.reduce(into: [Int: ([Double], Int)]()) { $0[$1.0] = ($1.1, $1.2) }
            }
            for (i, text) in Self.texts.enumerated() {
                let (vector, tokens) = try #require(vectors[i])
                #expect(vector.count == dimension)
                #expect(tokens == encoder.tokenize(text).count)
                for j in 0..<dimension { #expect(abs(vector[j] - Double(expected[i * dimension + j])) < 1e-5) }
            }
            // Past the model's 24 positions a text is truncated (as sentence-transformers does); past the server's
            // --max-input-tokens (40 here) it is refused, on both routes, as completions and classification refuse it.
            let words = { (count: Int) in Array(repeating: "the", count: count).joined(separator: " ") }
            let truncated = try await client.post("/v1/embeddings", #"{"input": "\#(words(30))"}"#)
            #expect(truncated.status == .ok && (truncated.json["usage"] as? [String: Int])?["prompt_tokens"] == 24, "\(truncated.text)")
            for (route, field) in [("/v1/embeddings", "input"), ("/embed", "inputs")] {
                let refused = try await client.post(route, #"{"\#(field)": ["short", "\#(words(60))"]}"#)
                #expect(refused.status == .badRequest && (refused.json["error"] as? [String: Any])?["code"] as? String == "input_too_long", "\(route): \(refused.text)")
                #expect(refused.text.contains("input 1 has 62 tokens; the server takes at most 40"), "\(refused.text)")
            }
            // TEI's /embed normalizes by default.
            let tei = try await client.post("/embed", #"{"inputs": ["theorem holds"]}"#)
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(tei.text.utf8)) as? [[Double]])
            #expect(abs(rows[0].map { $0 * $0 }.reduce(0, +) - 1) < 1e-4)
        }
    }

    /// A fine-tuned BERT run is a classifier and, under the same name, an embedder: its own encoder, mean-pooled.
    @Test func aBertClassificationRunAlsoServesEmbeddings() async throws {
        let run = try #require(try TaskRegistry.open(RunDirectory(ServeFixtures.bertClassifier)) as? ClassificationRun)
        try run.loadTrainedModel()
        let bert = try #require(run.task.classifier as? BertClassifier)
        let tuned = BertEncoder(model: bert.bert, tokenizer: try #require(run.data.tokenizer as? WordPieceTokenizer), maxLength: run.maxLength)
        let expected = tuned.embed([Self.texts[0]]).scalars
        let original = try BertEncoder(directory: ServeFixtures.bert).embed([Self.texts[0]]).scalars
        #expect(zip(expected, original).contains { abs($0 - $1) > 1e-4 }, "fine-tuning should have moved the encoder")
        let label = run.predict([Self.texts[0]])[0].label
        let server = try await ServeFixtures.server({ [.run(ServeFixtures.bertClassifier)] })
        try await server.withLiveClient { client in
            let embedded = try await client.post("/v1/embeddings", #"{"input": "\#(Self.texts[0])", "model": "bert-classifier"}"#)
            #expect(embedded.status == .ok, "\(embedded.text)")
            let vector = try #require((embedded.json["data"] as? [[String: Any]])?.first?["embedding"] as? [Double])
            #expect(vector.count == expected.count)
            for (a, b) in zip(vector, expected) { #expect(abs(a - Double(b)) < 1e-5) }
            let classified = try await client.post("/v1/classify", #"{"input": "\#(Self.texts[0])", "model": "bert-classifier"}"#)
            #expect((classified.json["data"] as? [[String: Any]])?.first?["label"] as? String == label)
            let listed = try await client.get("/v1/models")
            let kinds = (listed.json["data"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
            #expect(Set(kinds) == ["classifier", "embedder"], "\(listed.text)")
        }
    }
}
