import Foundation
import Hummingbird
import HummingbirdTesting
import Lemma
import NIOCore
import LemmaServe

/// Models for the serving tests, made once per process: a random GPT-2 with GPT-2's whole vocabulary (so
/// any prompt tokenizes into it), the tiny BERT fixture, and a small classification run trained here.
enum ServeFixtures {
    static let root: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-serve-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static let gpt2 = randomGPT2(name: "gpt2-random", positions: 64)
    /// Room for long generations (the cancellation tests).
    static let gpt2Long = randomGPT2(name: "gpt2-long", positions: 640)

    static func randomGPT2(name: String, positions: Int) -> URL {
        let directory = root.appendingPathComponent(name)
        var configuration = GPT2Configuration()
        (configuration.maxPositions, configuration.width, configuration.layerCount, configuration.headCount) = (positions, 32, 2, 2)
        // Wider initial weights than GPT-2's 0.02 give peaked next-token distributions, closer to a trained model's.
        configuration.initializerRange = 0.3
        let model = try! GPT2Model(configuration, generator: RandomGenerator(seed: 7))
        try! GPT2Checkpoint.save(model, to: directory)
        return directory
    }

    static let bert: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LemmaModelsTests/Fixtures/bert-tiny")

    /// Three classes of synthetic sentences, trained for a few seconds.
    static let classifier: URL = {
        let directory = root.appendingPathComponent("classifier")
        let own = [["lemma", "proof", "qed"], ["define", "denote", "notation"], ["theorem", "holds", "exists"]]
        var lines: [String] = []
        for i in 0..<150 {
            let label = i % 3
            let words = (0..<6).map { j in (i + j) % 2 == 0 ? own[label][(i + j) % 3] : ["the", "a", "of", "set"][(i * j) % 4] }
            lines.append("{\"text\": \"\(words.joined(separator: " "))\", \"label\": \"class\(label)\"}")
        }
        try! (lines.joined(separator: "\n") + "\n").write(to: root.appendingPathComponent("train.jsonl"), atomically: true, encoding: .utf8)
        let config = root.appendingPathComponent("classifier.yaml")
        try! """
        task: classification
        data:
          train: \(root.path)/train.jsonl
          valid_fraction: 0.2
        tokenizer:
          max_length: 16
        model:
          arch: cnn
          embedding_dim: 16
          num_filters: 8
        train:
          batch_size: 16
          learning_rate: 0.01
          epochs: 2
          deterministic: true
        """.write(to: config, atomically: true, encoding: .utf8)
        let run = try! TaskRegistry.start(try! RunConfiguration(contentsOf: config), in: RunDirectory(directory))
        try! run.train(resume: false, handleSignals: false, progress: false)
        return directory
    }()

    static func server(_ sources: [ModelSource], configure: (inout ServeOptions) -> Void = { _ in }) -> LemmaServer {
        var options = ServeOptions()
        options.port = 0
        configure(&options)
        return LemmaServer(sources: sources, options: options)
    }
}

extension LemmaServer {
    /// Loads the models, then runs `body` against the server on a real loopback socket (`port` is its port).
    func withLiveClient(load: Bool = true, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        if load {
            startLoading()
            try await waitUntilReady()
        }
        try await application().test(.ahc(.http)) { client in try await body(client) }
        stopComputing()
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
}

extension TestClientProtocol {
    func post(_ uri: String, _ json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json)) { $0 }
    }

    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers) { $0 }
    }
}
