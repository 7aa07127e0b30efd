import Foundation
import Hummingbird
import LemmaDecoding
import LemmaModels
import LemmaText

/// OpenAI's `POST /v1/completions` for language models: `prompt` (a string or several), `max_tokens`,
/// `temperature` (0: greedy), `top_p`, `top_k`, `stop`, `seed`, `n`, `stream` (server-sent events ending in
/// `data: [DONE]`, usage in a last chunk with `stream_options.include_usage`). Each choice is a sequence of
/// its own in the model's continuous batch, seeded with `seed + index`, so it does not depend on the
/// requests beside it. `POST /v1/chat/completions` takes `messages` instead of `prompt`, renders them with
/// the server's chat template (`--chat-template`) and answers in the chat shape; everything else is shared.
struct CompletionRoutes {
    let catalog: ModelCatalog
    let handling: RequestHandling
    let options: ServeOptions
    let metrics: ServerMetrics

    struct Choice {
        let index: Int
        let handle: GenerationScheduler<GPT2ContinuousStep>.Handle
    }

    /// What differs between the two endpoints' answers.
    enum Format {
        case text, chat

        var idPrefix: String { self == .text ? "cmpl-" : "chatcmpl-" }
        func object(streaming: Bool) -> String {
            self == .text ? "text_completion" : streaming ? "chat.completion.chunk" : "chat.completion"
        }
        /// A whole choice.
        func choice(_ index: Int, text: String, finish: FinishReason) -> [String: Any] {
            switch self {
            case .text: ["index": index, "text": text, "logprobs": NSNull(), "finish_reason": finish.rawValue]
            case .chat: ["index": index, "message": ["role": "assistant", "content": text], "logprobs": NSNull(), "finish_reason": finish.rawValue]
            }
        }
        /// A streamed piece of a choice (`finish` on its last, empty one).
        func delta(_ index: Int, text: String, finish: FinishReason? = nil) -> [String: Any] {
            let reason: Any = finish?.rawValue ?? NSNull()
            var piece: [String: Any] = ["index": index, "logprobs": NSNull(), "finish_reason": reason]
            switch self {
            case .text: piece["text"] = text
            case .chat: piece["delta"] = finish == nil ? ["content": text] : [String: String]()
            }
            return piece
        }
        /// The chat stream opens each choice with the assistant's role, as OpenAI's does.
        func opening(_ index: Int) -> [String: Any]? {
            self == .chat ? ["index": index, "delta": ["role": "assistant", "content": ""], "logprobs": NSNull(), "finish_reason": NSNull()] : nil
        }
    }

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/completions") { request, _ in
            try await handling.json(request, cancelOnDisconnect: true) { body in try await complete(body) }
        }
        router.post("/v1/chat/completions") { request, _ in
            try await handling.json(request, cancelOnDisconnect: true) { body in try await chat(body) }
        }
    }

    func complete(_ body: JSONRequest) async throws -> Response {
        let start = ContinuousClock.now
        let model = try catalog.model(try body.string("model"), as: ServedLanguageModel.self, kind: .languageModel)
        if body.has("echo"), try body.bool("echo") != false {
            throw APIError.invalid("'echo' is not supported by this server", code: "unsupported_parameter")
        }
        for unsupported in ["logprobs", "suffix"] where body.has(unsupported) {
            throw APIError.invalid("'\(unsupported)' is not supported by this server", code: "unsupported_parameter")
        }
        let (prompts, _) = try body.texts("prompt", limit: options.maxInputsPerRequest)
        return try await generate(prompts, body: body, model: model, format: .text, start: start)
    }

    func chat(_ body: JSONRequest) async throws -> Response {
        let start = ContinuousClock.now
        let model = try catalog.model(try body.string("model"), as: ServedLanguageModel.self, kind: .languageModel)
        guard let template = options.chatTemplate else {
            throw APIError.invalid("'\(model.name)' has no chat template: it continues text (POST /v1/completions); a model fine-tuned on conversations is served with lemma serve --chat-template \(ChatTemplate.allCases.map(\.rawValue).joined(separator: "|"))",
                                   code: "no_chat_template")
        }
        for unsupported in ["logprobs", "top_logprobs", "tools", "tool_choice", "functions", "response_format"] where body.has(unsupported) {
            if unsupported == "logprobs", try body.bool("logprobs") == false { continue }
            throw APIError.invalid("'\(unsupported)' is not supported by this server", code: "unsupported_parameter")
        }
        let messages = try body.messages("messages", limit: options.maxInputsPerRequest)
        return try await generate([template.prompt(messages)], body: body, model: model, format: .chat, start: start,
                                  templateStops: template.stops, maxTokensField: body.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens")
    }

    /// The shared part: sampling settings from the body, every choice queued, then one answer or a stream.
    func generate(_ prompts: [String], body: JSONRequest, model: ServedLanguageModel, format: Format, start: ContinuousClock.Instant,
                  templateStops: [String] = [], maxTokensField: String = "max_tokens") async throws -> Response {
        for penalty in ["presence_penalty", "frequency_penalty"] where try (body.float(penalty, in: -2...2) ?? 0) != 0 {
            throw APIError.invalid("'\(penalty)' is not supported by this server; use 'repetition_penalty'", code: "unsupported_parameter")
        }
        let n = try body.int("n", in: 1...options.maxChoices) ?? 1
        guard prompts.count * n <= options.maxInputsPerRequest else {
            throw APIError.invalid("\(prompts.count) prompts × n = \(n) is more than the server's \(options.maxInputsPerRequest) sequences per request",
                                   code: "too_many_inputs")
        }
        var decoding = model.defaults
        decoding.maxNewTokens = try body.int(maxTokensField, in: 1...options.maxNewTokens) ?? 16
        if let temperature = try body.float("temperature", in: 0...2) {
            if temperature == 0 {
                (decoding.sampling, decoding.temperature, decoding.topK, decoding.topP) = (false, 1, nil, nil)
            } else {
                decoding.temperature = temperature
            }
        }
        // Read (and checked) whether or not they apply: greedy decoding ignores them.
        let topP = try body.probability("top_p"), topK = try body.atLeast("top_k", -1)
        if decoding.sampling {
            if let topP { decoding.topP = topP < 1 ? topP : nil }
            if let topK { decoding.topK = topK > 0 ? topK : nil }
        }
        if let penalty = try body.float("repetition_penalty", in: 0.01...10) { decoding.repetitionPenalty = penalty }
        // vLLM's extension: generate max_tokens whatever the model says (benchmarks, fixed-length output).
        if try body.bool("ignore_eos") == true { decoding.stopTokens = [] }
        let stops = templateStops + (try body.stops("stop"))
        let stream = try body.bool("stream") ?? false
        let includeUsage = try body.object("stream_options")?.bool("include_usage") ?? false
        let seed = try body.seed("seed") ?? UInt64.random(in: 0...UInt64.max)

        var promptIDs: [[Int32]] = []
        for (index, prompt) in prompts.enumerated() {
            let ids = try model.promptIDs(prompt)
            guard ids.count <= options.maxInputTokens, ids.count < model.maxPositions else {
                throw APIError.invalid("\(format == .chat ? "the conversation" : "prompt \(index)") has \(ids.count) tokens; this model reads at most \(min(options.maxInputTokens, model.maxPositions - 1))",
                                       code: "input_too_long")
            }
            promptIDs.append(ids)
        }
        // Every choice is queued, all or none, before answering, so a full queue is a 503 rather than a broken stream.
        var sequences: [(prompt: [Int32], options: DecodingOptions)] = []
        for (p, ids) in promptIDs.enumerated() {
            for c in 0..<n {
                var choiceOptions = decoding
                choiceOptions.seed = seed &+ UInt64(p * n + c)
                sequences.append((ids, choiceOptions))
            }
        }
        let submitted = try model.scheduler.submit(sequences).enumerated().map { Choice(index: $0.offset, handle: $0.element) }
        let promptTokens = promptIDs.reduce(0) { $0 + $1.count }
        metrics.promptTokens(model: model.name, promptTokens)
        let id = format.idPrefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
        let created = Int(Date().timeIntervalSince1970)
        let firstToken = FirstTokenClock(start: start, model: model.name, metrics: metrics)
        @Sendable func usage(_ completionTokens: Int) -> [String: Any] {
            ["prompt_tokens": promptTokens, "completion_tokens": completionTokens, "total_tokens": promptTokens + completionTokens]
        }
        @Sendable func chunk(_ choices: [[String: Any]], usage: [String: Any]? = nil) -> [String: Any] {
            var object: [String: Any] = ["id": id, "object": format.object(streaming: stream), "created": created, "model": model.name, "choices": choices]
            if let usage { object["usage"] = usage }
            return object
        }

        guard stream else {
            let results = try await withThrowingTaskGroup(of: (Int, String, FinishReason, Int).self) { group in
                for choice in submitted {
                    group.addTask {
                        var text = ""
                        let (finish, tokens) = try await Self.run(choice.handle, model: model, stops: stops, firstToken: firstToken) { text += $0 }
                        return (choice.index, text, finish, tokens)
                    }
                }
                var results: [(Int, String, FinishReason, Int)] = []
                for try await result in group { results.append(result) }
                return results.sorted { $0.0 < $1.0 }
            }
            let objects = results.map { format.choice($0.0, text: $0.1, finish: $0.2) }
            return JSON.response(chunk(objects, usage: usage(results.reduce(0) { $0 + $1.3 })))
        }

        let body = ResponseBody(contentLength: nil) { writer in
            let (events, sink) = AsyncStream<[String: Any]>.makeStream()
            let producer = Task<Int, any Error> {
                defer { sink.finish() }
                return try await withThrowingTaskGroup(of: Int.self) { group in
                    for choice in submitted {
                        group.addTask {
                            if let opening = format.opening(choice.index) { sink.yield(chunk([opening])) }
                            let (finish, tokens) = try await Self.run(choice.handle, model: model, stops: stops, firstToken: firstToken) { text in
                                sink.yield(chunk([format.delta(choice.index, text: text)]))
                            }
                            sink.yield(chunk([format.delta(choice.index, text: "", finish: finish)]))
                            return tokens
                        }
                    }
                    return try await group.reduce(0, +)
                }
            }
            do {
                for await event in events { try await writer.write(Self.event(event)) }
                let completionTokens = try await producer.value
                if includeUsage { try await writer.write(Self.event(chunk([], usage: usage(completionTokens)))) }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            } catch {
                // The client went away (or generation failed): stop every choice, then end the stream.
                producer.cancel()
                submitted.forEach { $0.handle.cancel() }
                if !(error is CancellationError) {
                    let message = (error as? APIError)?.body ?? APIError(.internalServerError, "\(error)", type: "server_error").body
                    try? await writer.write(Self.event(message))
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    static func event(_ object: [String: Any]) -> ByteBuffer {
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(JSON.data(object))
        buffer.writeString("\n\n")
        return buffer
    }

    /// Consumes one choice's tokens, passing on its text (stop strings applied); returns why it ended and how
    /// many tokens it generated. Leaving early (a stop string, cancellation) takes it out of the batch.
    static func run(_ handle: GenerationScheduler<GPT2ContinuousStep>.Handle, model: ServedLanguageModel, stops: [String],
                    firstToken: FirstTokenClock, onText: (String) -> Void) async throws -> (FinishReason, Int) {
        defer { handle.cancel() }
        var decoder = IncrementalTextDecoder(tokenizer: model.tokenizer, skipping: [model.endOfText])
        var filter = StopStringFilter(stops)
        var tokens = 0
        for try await event in handle.events {
            switch event {
            case .token(let token):
                firstToken.tick()
                tokens += 1
                let (text, stopped) = filter.add(decoder.add(token))
                if !text.isEmpty { onText(text) }
                if stopped { return (.stop, tokens) }
            case .finished(let reason):
                let (text, stopped) = filter.add(decoder.finish())
                let rest = stopped ? text : text + filter.finish()
                if !rest.isEmpty { onText(rest) }
                return (stopped ? .stop : reason, tokens)
            }
        }
        try Task.checkCancellation()
        throw APIError(.internalServerError, "generation ended without a reason", type: "server_error")
    }
}

/// Records a request's time to first token once, whichever of its choices gets there first.
final class FirstTokenClock: @unchecked Sendable {
    let start: ContinuousClock.Instant
    let model: String
    let metrics: ServerMetrics
    private let lock = NSLock()
    private var done = false

    init(start: ContinuousClock.Instant, model: String, metrics: ServerMetrics) {
        self.start = start
        self.model = model
        self.metrics = metrics
    }

    func tick() {
        let first = lock.withLock { () -> Bool in
            defer { done = true }
            return !done
        }
        if first { metrics.timeToFirstToken(model: model, ContinuousClock.now - start) }
    }
}
