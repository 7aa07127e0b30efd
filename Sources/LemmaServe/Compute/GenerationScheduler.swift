import Foundation
import LemmaDecoding
import LemmaTensor

/// What a generating sequence reports: each token as it is chosen, then why it ended.
enum GenerationEvent: Sendable {
    case token(Int32)
    case finished(FinishReason)
}

/// OpenAI's `finish_reason`.
enum FinishReason: String, Sendable {
    /// A stop token (or, decided by the caller, a stop string).
    case stop
    /// `max_tokens`, or the model's positions.
    case length
}

/// Continuous batching for one language model: requests join the running batch between decoding steps and
/// leave it as they finish or their clients go away, each with its own key/value cache, sampling settings and
/// random generator, so what a request gets does not depend on what ran beside it. One `iterate` (a unit of
/// compute-thread work) admits waiting sequences (running their prompts), then advances every active
/// sequence by one token.
final class GenerationScheduler<Step: ContinuousDecoderStep>: ComputeSource, @unchecked Sendable {
    final class Sequence {
        let id: Int
        let prompt: [Int32]
        let maxNewTokens: Int
        let chooser: TokenChooser
        let stopTokens: Set<Int32>
        let events: AsyncThrowingStream<GenerationEvent, any Error>.Continuation
        var context: [Int32]
        var generated = 0
        var state: Step.SequenceState?

        init(id: Int, prompt: [Int32], maxNewTokens: Int, chooser: TokenChooser,
             events: AsyncThrowingStream<GenerationEvent, any Error>.Continuation) {
            self.id = id
            self.prompt = prompt
            self.maxNewTokens = maxNewTokens
            self.chooser = chooser
            stopTokens = Set(chooser.options.stopTokens)
            self.events = events
            context = prompt
        }
    }

    let name: String
    let step: Step
    let executor: ComputeExecutor
    let metrics: ServerMetrics
    let maxActive: Int, capacity: Int

    // Guarded by the executor's lock.
    private var waiting: [Sequence] = []
    private var cancelled: Set<Int> = []
    private var activeCount = 0
    private var nextID = 0
    // Compute thread only.
    private var active: [Sequence] = []

    init(name: String, step: Step, executor: ComputeExecutor, options: ServeOptions, metrics: ServerMetrics) {
        self.name = name
        self.step = step
        self.executor = executor
        self.metrics = metrics
        maxActive = options.maxActiveSequences
        capacity = options.queueCapacity
        executor.register(self)
    }

    /// A submitted sequence: its events, and how to stop it (idempotent; a no-op once it finished).
    struct Handle: Sendable {
        let events: AsyncThrowingStream<GenerationEvent, any Error>
        let cancel: @Sendable () -> Void
    }

    /// Starts generating a request's sequences, each after its `prompt` (at least one token; its last is fed
    /// first). Cancelling the task that iterates a sequence's events, or calling its `cancel`, takes it out
    /// of the batch before its next step. The sequences are queued all or none: a request whose sequences do
    /// not all fit the queue now is refused whole (`APIError.overloaded`, 503, worth retrying), and one with
    /// more sequences than the queue ever holds is a 400, since no retry could admit it. (A request for nearly
    /// the whole queue fits only a nearly empty one, so the capacity should stay well above requests' sequences.)
    func submit(_ requests: [(prompt: [Int32], options: DecodingOptions)]) throws -> [Handle] {
        precondition(!requests.isEmpty, "GenerationScheduler.submit: no sequences")
        guard requests.count <= capacity else {
            throw APIError.invalid("this request asks for \(requests.count) sequences; the server queues at most \(capacity) (--queue-capacity)",
                                   code: "too_many_inputs")
        }
        var prepared: [(prompt: [Int32], options: DecodingOptions, chooser: TokenChooser)] = []
        for (prompt, requested) in requests {
            precondition(!prompt.isEmpty, "GenerationScheduler.submit: empty prompt")
            var options = requested
            if let limit = step.maxSequenceLength { options.maxNewTokens = min(options.maxNewTokens, max(1, limit - prompt.count + 1)) }
            options.minNewTokens = min(options.minNewTokens, options.maxNewTokens)
            do { prepared.append((prompt, options, try TokenChooser(options))) } catch { throw APIError.invalid("\(error)") }
        }
        let streams = prepared.map { _ in AsyncThrowingStream<GenerationEvent, any Error>.makeStream() }
        let ids = try executor.locked { () throws -> [Int] in
            guard waiting.count + prepared.count <= capacity else { throw APIError.overloaded }
            var ids: [Int] = []
            for ((prompt, options, chooser), (_, continuation)) in zip(prepared, streams) {
                nextID += 1
                let id = nextID
                continuation.onTermination = { [weak self] reason in
                    guard case .cancelled = reason else { return }
                    self?.cancel(id)
                }
                waiting.append(Sequence(id: id, prompt: prompt, maxNewTokens: options.maxNewTokens, chooser: chooser, events: continuation))
                ids.append(id)
            }
            metrics.queueLength(model: name, waiting.count)
            return ids
        }
        return zip(ids, streams).map { id, stream in Handle(events: stream.stream, cancel: { [weak self] in self?.cancel(id) }) }
    }

    private func cancel(_ id: Int) {
        executor.locked {
            if let index = waiting.firstIndex(where: { $0.id == id }) {
                waiting.remove(at: index).events.finish(throwing: CancellationError())
                metrics.queueLength(model: name, waiting.count)
            } else {
                cancelled.insert(id)
            }
        }
    }

    func nextWork(now: ContinuousClock.Instant) -> ComputeDecision {
        guard !waiting.isEmpty || activeCount > 0 else { return .idle }
        return .run { [self] in iterate() }
    }

    private func iterate() {
        let (admitted, gone) = executor.locked { () -> ([Sequence], Set<Int>) in
            let room = max(0, maxActive - active.count)
            let admitted = Array(waiting.prefix(room))
            waiting.removeFirst(admitted.count)
            metrics.queueLength(model: name, waiting.count)
            let gone = cancelled
            cancelled.removeAll()
            return (admitted, gone)
        }
        active.removeAll { gone.contains($0.id) }
        for sequence in admitted where !gone.contains(sequence.id) {
            do {
                sequence.state = try step.start(prompt: sequence.prompt)
                active.append(sequence)
            } catch {
                sequence.events.finish(throwing: APIError.invalid("\(error)"))
            }
        }
        defer {
            let count = active.count
            executor.locked { activeCount = count }
            metrics.activeSequences(model: name, count)
        }
        guard !active.isEmpty else { return }
        metrics.batch(model: name, size: active.count)

        var states = active.map { $0.state! }
        let logits: Tensor
        do {
            logits = try step.step(active.map { $0.context.last! }, states: &states)
        } catch {
            for sequence in active { sequence.events.finish(throwing: APIError(.internalServerError, "\(error)", type: "server_error")) }
            active.removeAll()
            return
        }
        let scores = logits.scalars, width = logits.shape[1]
        var still: [Sequence] = []
        for (row, sequence) in active.enumerated() {
            sequence.state = states[row]
            let (token, _) = sequence.chooser.choose(Array(scores[(row * width)..<((row + 1) * width)]),
                                                     context: sequence.context, generated: sequence.generated)
            sequence.context.append(token)
            sequence.generated += 1
            sequence.events.yield(.token(token))
            metrics.tokensGenerated(model: name)
            if sequence.stopTokens.contains(token) {
                sequence.events.yield(.finished(.stop))
                sequence.events.finish()
            } else if sequence.generated >= sequence.maxNewTokens {
                sequence.events.yield(.finished(.length))
                sequence.events.finish()
            } else {
                still.append(sequence)
            }
        }
        active = still
    }
}
