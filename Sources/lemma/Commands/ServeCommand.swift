import ArgumentParser
import Foundation
import Lemma
import LemmaServe

/// `lemma serve`: trained runs and Hugging Face model directories behind one HTTP server.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve runs and model directories over HTTP: classification, embeddings and OpenAI-compatible completions, with dynamic and continuous batching and Prometheus metrics.",
        discussion: "Routes: GET / (a page to try each model), /health, /v1/models, /metrics, /openapi.json; POST /v1/classify, /predict (classification runs), /v1/embeddings, /embed (BERT-family directories and BERT classification runs), /v1/completions (GPT-2 runs and directories; stream: true for server-sent events), /v1/chat/completions (the same models, given --chat-template), /v1/translate (seq2seq runs), /v1/im2latex (im2latex runs; a PNG). SIGTERM or Ctrl-C stops accepting, finishes in-flight requests and exits 0.")

    @Option(name: .customLong("run"), help: "A run directory to serve (repeatable).") var runs: [String] = []
    @Option(name: .customLong("model"), help: "A Hugging Face model directory to serve (repeatable): GPT-2 (completions) or BERT-family (embeddings).")
    var models: [String] = []
    @Option(help: "Address to bind (loopback by default; 0.0.0.0 for every interface).") var host = "127.0.0.1"
    @Option(parsing: .unconditional, help: "Port (0: any free port).") var port = 8080
    @Option(name: .customLong("api-key"), help: "Require 'Authorization: Bearer KEY' (default: the LEMMA_API_KEY environment variable, if set).")
    var apiKey: String?
    @Option(name: .customLong("max-batch-size"), parsing: .unconditional, help: "Inputs per forward pass at most (classifiers, embedders).") var maxBatchSize = 32
    @Option(name: .customLong("max-batch-wait-ms"), parsing: .unconditional, help: "How long a request waits for others to batch with, in milliseconds (0: batches are what queued while the model was busy).")
    var maxBatchWaitMs = 0
    @Option(name: .customLong("batch-token-budget"), parsing: .unconditional, help: "Padded tokens per encoder batch at most.") var batchTokenBudget = 16_384
    @Option(name: .customLong("max-active-sequences"), parsing: .unconditional, help: "Sequences a language model decodes together.") var maxActiveSequences = 16
    @Option(name: .customLong("queue-capacity"), parsing: .unconditional, help: "Requests (a completion's sequences) waiting per model before 503.") var queueCapacity = 256
    @Option(name: .customLong("max-body-bytes"), parsing: .unconditional, help: "Largest request body.") var maxBodyBytes = 4 << 20
    @Option(name: .customLong("max-input-tokens"), parsing: .unconditional, help: "Tokens per input text or prompt at most.") var maxInputTokens = 1024
    @Option(name: .customLong("max-tokens-limit"), parsing: .unconditional, help: "The largest max_tokens a completion may ask for.") var maxTokensLimit = 1024
    @Option(name: .customLong("request-timeout"), parsing: .unconditional, help: "Seconds before a request is answered 408 and its work cancelled.")
    var requestTimeout = 120.0
    @Option(name: .customLong("compute-threads"), parsing: .unconditional, help: "Cores each tensor operation may use (default: all; 1 leaves a core to HTTP with small models and many clients).")
    var computeThreads: Int?
    @Option(name: .customLong("chat-template"), help: "The conversation format the language models were fine-tuned on, for /v1/chat/completions: dialogpt or chatml (default: none; that route then answers 400).")
    var chatTemplate: ChatTemplate?

    func validate() throws {
        if runs.isEmpty && models.isEmpty { throw ValidationError("give at least one --run or --model to serve") }
        if !(0...65535).contains(port) { throw ValidationError("--port must be in 0...65535, got \(port)") }
        for (name, value) in [("--max-batch-size", maxBatchSize), ("--max-active-sequences", maxActiveSequences), ("--queue-capacity", queueCapacity),
                              ("--max-body-bytes", maxBodyBytes), ("--max-input-tokens", maxInputTokens), ("--max-tokens-limit", maxTokensLimit),
                              ("--batch-token-budget", batchTokenBudget)] where value < 1 {
            throw ValidationError("\(name) must be at least 1, got \(value)")
        }
        if maxBatchWaitMs < 0 { throw ValidationError("--max-batch-wait-ms must be >= 0, got \(maxBatchWaitMs)") }
        if !(requestTimeout > 0) { throw ValidationError("--request-timeout must be > 0, got \(requestTimeout)") }
        if let computeThreads, computeThreads < 1 { throw ValidationError("--compute-threads must be at least 1, got \(computeThreads)") }
        for path in runs + models where !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(path): no such directory")
        }
    }

    func run() throws {
        var options = ServeOptions()
        options.host = host
        options.port = port
        options.apiKey = apiKey ?? ProcessInfo.processInfo.environment["LEMMA_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        options.maxBatchSize = maxBatchSize
        options.maxBatchWait = .milliseconds(maxBatchWaitMs)
        options.batchTokenBudget = batchTokenBudget
        options.maxActiveSequences = maxActiveSequences
        options.queueCapacity = queueCapacity
        options.maxBodyBytes = maxBodyBytes
        options.maxInputTokens = maxInputTokens
        options.maxNewTokens = maxTokensLimit
        options.requestTimeout = .milliseconds(Int64(requestTimeout * 1000))
        options.computeThreads = computeThreads
        options.chatTemplate = chatTemplate
        let sources = runs.map { ModelSource.run(URL(fileURLWithPath: $0)) } + models.map { ModelSource.directory(URL(fileURLWithPath: $0)) }
        let log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let server = LemmaServer(sources: sources, options: options, log: log)
        // The command is synchronous; the server runs on Swift's concurrency pool while this thread waits.
        let finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: (any Error)?
        Task {
            do {
                try await server.run { port in log("listening on http://\(host):\(port)") }
            } catch {
                failure = error
            }
            finished.signal()
        }
        finished.wait()
        if let failure {
            // NIO's bind error names neither the address nor what to do.
            if "\(failure)".contains("Address already in use") {
                throw ConfigError("cannot listen on \(host):\(port): the address is already in use (another server?); choose another --port")
            }
            throw failure
        }
        if let loadFailure = server.loadFailure { throw ConfigError("the models failed to load: \(loadFailure)") }
        log("stopped")
    }
}

extension ChatTemplate: ExpressibleByArgument {}
