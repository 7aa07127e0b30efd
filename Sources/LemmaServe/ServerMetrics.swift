import Foundation
import Prometheus

/// The server's Prometheus metrics (`GET /metrics`): requests by route and status, latency, queue lengths,
/// batch sizes, tokens generated and time to first token.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    static let latencyBuckets: [Duration] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
        .map { Duration.milliseconds(Int64($0 * 1000)) }
    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256]

    public init() {}

    static func name(_ name: String, _ help: String) -> MetricNameDescriptor { MetricNameDescriptor(namespace: nil, subsystem: nil, metricName: name, unitName: "", helpText: help) }

    /// Each route's counter and histogram, made once: the registry's lookup by name and labels costs more
    /// than a cheap request.
    private let requestMetrics = RouteMetricsCache()

    func request(route: String, method: String, status: Int, duration: Duration) {
        let key = "\(route) \(method) \(status)"
        let (counter, histogram) = requestMetrics.value(for: key) {
            (registry.makeCounter(descriptor: Self.name("lemma_http_requests_total", "HTTP requests answered, by route and status"),
                                  labels: [("route", route), ("method", method), ("status", String(status))]),
             registry.makeDurationHistogram(descriptor: Self.name("lemma_http_request_duration_seconds", "Time from request to the end of the response"),
                                            labels: [("route", route), ("method", method)], buckets: Self.latencyBuckets))
        }
        counter.increment()
        histogram.record(duration)
    }

    func queueLength(model: String, _ length: Int) {
        registry.makeGauge(descriptor: Self.name("lemma_queue_length", "Requests waiting for the compute thread"), labels: [("model", model)]).set(Int64(length))
    }

    func batch(model: String, size: Int) {
        registry.makeValueHistogram(descriptor: Self.name("lemma_batch_size", "Inputs (or sequences) per forward pass"), labels: [("model", model)], buckets: Self.batchBuckets).record(Double(size))
    }

    func activeSequences(model: String, _ count: Int) {
        registry.makeGauge(descriptor: Self.name("lemma_active_sequences", "Sequences in the continuous batch"), labels: [("model", model)]).set(Int64(count))
    }

    func tokensGenerated(model: String, _ count: Int = 1) {
        registry.makeCounter(descriptor: Self.name("lemma_generated_tokens_total", "Tokens generated"), labels: [("model", model)]).increment(by: Int64(count))
    }

    func promptTokens(model: String, _ count: Int) {
        registry.makeCounter(descriptor: Self.name("lemma_prompt_tokens_total", "Input tokens read"), labels: [("model", model)]).increment(by: Int64(count))
    }

    func timeToFirstToken(model: String, _ duration: Duration) {
        registry.makeDurationHistogram(descriptor: Self.name("lemma_time_to_first_token_seconds", "Time from request to the first generated token"), labels: [("model", model)], buckets: Self.latencyBuckets).record(duration)
    }

    public var text: String { registry.emitToString() }
}

/// A locked cache of per-route metric handles.
final class RouteMetricsCache: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: (Counter, DurationHistogram)] = [:]

    func value(for key: String, make: () -> (Counter, DurationHistogram)) -> (Counter, DurationHistogram) {
        lock.withLock {
            if let value = values[key] { return value }
            let value = make()
            values[key] = value
            return value
        }
    }
}
