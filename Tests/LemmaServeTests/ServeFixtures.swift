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
        let own = [["lemma", "proof", "qed"], ["define", "denote", "notation"], ["theorem", "holds", "exists"]]
        var lines: [String] = []
        for i in 0..<150 {
            let label = i % 3
            let words = (0..<6).map { j in (i + j) % 2 == 0 ? own[label][(i + j) % 3] : ["the", "a", "of", "set"][(i * j) % 4] }
            lines.append("{\"text\": \"\(words.joined(separator: " "))\", \"label\": \"class\(label)\"}")
        }
        try! (lines.joined(separator: "\n") + "\n").write(to: root.appendingPathComponent("train.jsonl"), atomically: true, encoding: .utf8)
        return trainedClassifier("classifier", model: "arch: cnn\n  embedding_dim: 16\n  num_filters: 8",
                                 train: "learning_rate: 0.01\n  epochs: 2")
    }()

    /// A classification run on train.jsonl named `name` with the given `model:` and `train:` lines, trained.
    static func trainedClassifier(_ name: String, model: String, train: String) -> URL {
        let directory = root.appendingPathComponent(name)
        let config = root.appendingPathComponent("\(name).yaml")
        try! """
        task: classification
        data:
          train: \(root.path)/train.jsonl
          valid_fraction: 0.2
        tokenizer:
          max_length: 16
        model:
          \(model)
        train:
          batch_size: 16
          deterministic: true
          \(train)
        """.write(to: config, atomically: true, encoding: .utf8)
        let run = try! TaskRegistry.start(try! RunConfiguration(contentsOf: config), in: RunDirectory(directory))
        try! run.train(resume: false, handleSignals: false, progress: false)
        return directory
    }

    /// The tiny BERT fine-tuned as a classifier on the same sentences for a few steps: served as a classifier
    /// and, from its encoder, as an embedder.
    static let bertClassifier: URL = {
        _ = classifier  // writes train.jsonl
        return trainedClassifier("bert-classifier", model: "arch: transformer\n  pretrained_model: \(bert.path)",
                                 train: "learning_rate: 0.001\n  max_steps: 4")
    }()

    /// Reversed, upper-cased word lists (a learnable mapping), trained for a few seconds.
    static let translator: URL = {
        let directory = root.appendingPathComponent("translator")
        let words = ["a", "b", "c", "d", "e"]
        var lines = ["source\ttarget"]
        for i in 0..<200 {
            let picked = (0..<(2 + i % 3)).map { words[(i * 7 + $0 * 3) % words.count] }
            lines.append(picked.joined(separator: " ") + "\t" + picked.reversed().map { $0.uppercased() }.joined(separator: " "))
        }
        try! (lines.joined(separator: "\n") + "\n").write(to: root.appendingPathComponent("pairs.tsv"), atomically: true, encoding: .utf8)
        let configuration = try! RunConfiguration(values: [
            "task": .string("seq2seq"), "data.train": .string(root.appendingPathComponent("pairs.tsv").path), "data.valid_fraction": .double(0.1),
            "tokenizer.kind": .string("whitespace"), "model.embedding_dim": .int(16), "model.target_embedding_dim": .int(16),
            "model.hidden_size": .int(24), "train.optimizer": .string("adam"), "train.learning_rate": .double(0.01),
            "train.batch_size": .int(16), "train.epochs": .double(3), "train.deterministic": .bool(true), "decoding.beams": .int(2),
        ])
        let run = try! TaskRegistry.start(configuration, in: RunDirectory(directory))
        try! run.train(resume: false, handleSignals: false, progress: false)
        return directory
    }()

    /// Formula images drawn here (a distinct pattern of bars per formula), so no TeX is needed to train.
    static let im2latex: URL = {
        let directory = root.appendingPathComponent("im2latex")
        let data = root.appendingPathComponent("im2latex-data")
        let images = data.appendingPathComponent("images")
        try! FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        let formulas = ["a", "b + c", "x ^ { 2 }", "\\alpha", "( y )"]
        try! (formulas.joined(separator: "\n") + "\n").write(to: data.appendingPathComponent("formulas.lst"), atomically: true, encoding: .utf8)
        for (index, _) in formulas.enumerated() {
            try! PNGCodec.write(Self.formulaImage(index), to: images.appendingPathComponent("f\(index).png"))
        }
        let list = (0..<20).map { "f\($0 % formulas.count).png \($0 % formulas.count)" }.joined(separator: "\n")
        try! list.write(to: data.appendingPathComponent("train.lst"), atomically: true, encoding: .utf8)
        try! "f0.png 0\nf1.png 1\n".write(to: data.appendingPathComponent("valid.lst"), atomically: true, encoding: .utf8)
        let configuration = try! RunConfiguration(values: [
            "task": .string("im2latex"), "data.formulas": .string(data.appendingPathComponent("formulas.lst").path),
            "data.images": .string(images.path), "data.train": .string(data.appendingPathComponent("train.lst").path),
            "data.valid": .string(data.appendingPathComponent("valid.lst").path), "data.downsample_ratio": .int(1),
            "model.cnn_channels": .int(8), "model.encoder_hidden_size": .int(6), "model.hidden_size": .int(12), "model.embedding_dim": .int(8),
            "train.batch_size": .int(4), "train.epochs": .double(1), "train.learning_rate": .double(0.003), "train.deterministic": .bool(true),
            "decoding.beams": .int(2), "decoding.max_length": .int(8),
        ])
        let run = try! TaskRegistry.start(configuration, in: RunDirectory(directory))
        try! run.train(resume: false, handleSignals: false, progress: false)
        return directory
    }()

    /// A white image with dark bars whose positions depend on `index`.
    static func formulaImage(_ index: Int) -> GrayImage {
        let width = 48, height = 20
        var pixels = [UInt8](repeating: 255, count: width * height)
        for bar in 0...index {
            let x0 = 4 + bar * 8
            for y in (4 + index)..<16 { for x in x0..<(x0 + 3) { pixels[y * width + x] = 0 } }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// A server for `sources`, whose fixtures are made (trained, the first time) off Swift's cooperative
    /// threads: with two cores there are two, and a test blocking them starves the server under test.
    static func server(_ sources: @escaping @Sendable () -> [ModelSource], configure: (inout ServeOptions) -> Void = { _ in }) async throws -> LemmaServer {
        var options = ServeOptions()
        options.port = 0
        configure(&options)
        return LemmaServer(sources: try await blocking(sources), options: options)
    }
}

/// Runs blocking work (training a fixture, waiting on a process or a socket) on a thread of its own.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.stackSize = 16 << 20
        thread.start()
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

    /// Loads the models, then serves on a loopback socket of its own (any free port) until `body`, given the
    /// port, returns: for what a test client hides (raw bytes, hanging up, slow bodies).
    func withLivePort(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        startLoading()
        try await waitUntilReady()
        defer { stopComputing() }
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let app = application { port in portSink.yield(port) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw POSIXError(.EADDRNOTAVAIL) }
            try await body(port)
            group.cancelAll()
        }
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
