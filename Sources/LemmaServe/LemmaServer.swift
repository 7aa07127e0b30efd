import Foundation
import Hummingbird
import Logging

/// `lemma serve`: trained runs and model directories behind one HTTP server. It listens at once and loads
/// the models in the background (`/health` answers 503 until they are ready); one compute thread runs every
/// model; SIGTERM (or SIGINT) stops accepting connections, lets in-flight requests finish, and returns.
public final class LemmaServer: Sendable {
    public let options: ServeOptions
    public let sources: [ModelSource]
    public let metrics = ServerMetrics()
    let catalog = ModelCatalog()
    let executor = ComputeExecutor()
    let log: @Sendable (String) -> Void

    /// Every route and its method (for the metrics' labels and 405s).
    static let methods: [String: String] = [
        "/": "GET", "/health": "GET", "/v1/models": "GET", "/metrics": "GET", "/openapi.json": "GET",
        "/v1/classify": "POST", "/predict": "POST", "/v1/embeddings": "POST", "/embed": "POST", "/v1/completions": "POST",
        "/v1/chat/completions": "POST", "/v1/translate": "POST", "/v1/im2latex": "POST",
    ]

    public init(sources: [ModelSource], options: ServeOptions, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.sources = sources
        self.options = options
        self.log = log
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: MetricsMiddleware(metrics: metrics, routes: Set(Self.methods.keys)))
        router.add(middleware: ErrorMiddleware(log: log, methods: Self.methods))
        if let key = options.apiKey { router.add(middleware: APIKeyMiddleware(key: key)) }
        let handling = RequestHandling(options: options)
        SystemRoutes(catalog: catalog, metrics: metrics, started: Date()).add(to: router)
        ClassificationRoutes(catalog: catalog, handling: handling, options: options).add(to: router)
        EmbeddingRoutes(catalog: catalog, handling: handling, options: options).add(to: router)
        CompletionRoutes(catalog: catalog, handling: handling, options: options, metrics: metrics).add(to: router)
        TranslationRoutes(catalog: catalog, handling: handling, options: options).add(to: router)
        Im2LatexRoutes(catalog: catalog, handling: handling, options: options).add(to: router)
        return router
    }

    /// The application (for `run`, and for tests, which drive it with HummingbirdTesting).
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var logger = Logger(label: "lemma-serve")
        logger.logLevel = .warning
        return Application(router: router(), configuration: .init(address: .hostname(options.host, port: options.port), serverName: "lemma"),
                           onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    /// Why loading the models failed, once it has.
    public var loadFailure: String? { catalog.loadFailure }

    /// Loads the models on a background thread, then starts the compute thread; `onFailure` runs if loading fails.
    public func startLoading(onFailure: @escaping @Sendable () -> Void = {}) {
        let thread = Thread { [self] in
            do {
                let models = try ModelCatalog.load(sources, executor: executor, options: options, metrics: metrics, log: log)
                executor.start(threads: options.computeThreads)
                catalog.finish(models)
                log("ready: \(models.count) model\(models.count == 1 ? "" : "s")")
            } catch {
                catalog.fail("\(error)")
                log("error: \(error)")
                onFailure()
            }
        }
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// Serves until SIGTERM or SIGINT, then drains in-flight requests and returns. A server whose models
    /// cannot load stops the same way (`loadFailure` says why), so that a supervisor sees it fail rather than a
    /// process that answers 503 for ever.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        startLoading(onFailure: { kill(getpid(), SIGTERM) })
        try await application(onServerRunning: onServerRunning).runService(gracefulShutdownSignals: [.sigterm, .sigint])
        stopComputing()
    }

    /// Ends the compute thread (after the last request).
    public func stopComputing() { executor.stop() }

    /// Waits until the models are loaded (tests); throws what loading threw.
    public func waitUntilReady(timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !catalog.isReady {
            if let failure = catalog.loadFailure { throw APIError(.serviceUnavailable, failure, type: "server_error") }
            guard ContinuousClock.now < deadline else { throw APIError(.serviceUnavailable, "models not loaded in time", type: "server_error") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
