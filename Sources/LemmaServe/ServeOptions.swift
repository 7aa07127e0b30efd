import Foundation

/// How `lemma serve` listens, batches and says no: every limit a client can run into is here, and each has
/// a command-line flag.
public struct ServeOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Clients must send `Authorization: Bearer KEY` (all routes but `/`, `/health` and `/openapi.json`).
    public var apiKey: String?

    /// Inputs one forward pass of a classifier, embedder, translator or im2latex model takes at most.
    public var maxBatchSize = 32
    /// How long the first request of a batch waits for others to join it. 0 (Triton's default): a batch is
    /// whatever queued while the compute thread was busy, so a lone request never waits.
    public var maxBatchWait: Duration = .zero
    /// Padded tokens (inputs × longest input) one encoder batch holds at most.
    public var batchTokenBudget = 16_384
    /// Requests waiting per model; past it, 503 with Retry-After.
    public var queueCapacity = 256
    /// Sequences a language model decodes together (continuous batching).
    public var maxActiveSequences = 16

    public var maxBodyBytes = 4 << 20
    /// Texts (or images) in one request.
    public var maxInputsPerRequest = 256
    /// Tokens in one input text or prompt.
    public var maxInputTokens = 1024
    /// The largest `max_tokens` a completion may ask for.
    public var maxNewTokens = 1024
    /// `n` at most.
    public var maxChoices = 8
    /// A request still running after this long is answered 408 and its work cancelled.
    public var requestTimeout: Duration = .seconds(120)
    /// Threads each tensor operation of the compute thread may use (nil: every core). The HTTP side needs
    /// CPU too: with small models and many clients one compute thread leaves it a core.
    public var computeThreads: Int?
    /// The conversation format of the served language models, for `/v1/chat/completions` (nil: that route
    /// answers 400, as a model that only continues text has no chat format).
    public var chatTemplate: ChatTemplate?

    public init() {}
}
