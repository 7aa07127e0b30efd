import AsyncHTTPClient
import Foundation
import NIOCore

// `lemma-bench serve-load`: an HTTP load generator for `lemma serve` and its Python peer (bench/serve_peer.py),
// on loopback only, bounded in requests and seconds. Closed loop: each of N clients sends its next request
// when the last one is answered. One JSON line per concurrency level:
//   classify / embed: requests/s and p50/p95/p99 latency;
//   complete (streamed): time to first token, inter-token latency and aggregate tokens/s (vLLM's metrics).
//
//   lemma-bench serve-load --url http://127.0.0.1:8080 --workload classify --clients 1,8,32 [--requests 600]
//       [--seconds 30] [--texts data/metamath/test.jsonl] [--max-tokens 64] [--label lemma]

struct LoadSettings {
    var url = "http://127.0.0.1:8080"
    var workload = "classify"
    var clients = [1, 8, 32]
    var requests = 600
    var seconds = 30.0
    var texts = "data/metamath/test.jsonl"
    var maxTokens = 64
    var label = "lemma"
    var model: String?

    init(_ arguments: [String]) {
        func value(_ flag: String) -> String? { arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } }
        url = value("--url") ?? url
        workload = value("--workload") ?? workload
        clients = value("--clients").map { $0.split(separator: ",").compactMap { Int($0) } } ?? clients
        requests = value("--requests").flatMap(Int.init) ?? requests
        seconds = value("--seconds").flatMap(Double.init) ?? seconds
        texts = value("--texts") ?? texts
        maxTokens = value("--max-tokens").flatMap(Int.init) ?? maxTokens
        label = value("--label") ?? label
        model = value("--model")
    }
}

/// What one request measured.
struct Sample: Sendable {
    var latency: Double
    var firstToken: Double?
    var tokenGaps: [Double] = []
    var tokens = 0
    var failed = false
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((p / 100 * Double(sorted.count - 1)).rounded()))]
}

func loadTexts(_ path: String) -> [String] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return ["theorem a1i |- ( ph -> ps )"] }
    return text.split(separator: "\n").prefix(2000).compactMap { line in
        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["text"] as? String
    }.map { String($0.prefix(400)) }
}

func benchServeLoad() {
    let settings = LoadSettings(Array(CommandLine.arguments.dropFirst()))
    let texts = loadTexts(settings.texts)
    let done = DispatchSemaphore(value: 0)
    Task {
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)))
        for clients in settings.clients {
            let report = await runLoad(client: client, settings: settings, clients: clients, texts: texts)
            print(report)
            fflush(stdout)
        }
        try? await client.shutdown()
        done.signal()
    }
    done.wait()
}

func requestBody(_ settings: LoadSettings, text: String) -> String {
    var body: [String: Any]
    switch settings.workload {
    case "classify": body = ["input": text]
    case "embed": body = ["input": text]
    default: body = ["prompt": String(text.prefix(200)), "max_tokens": settings.maxTokens, "stream": true, "temperature": 1.0,
                     "top_k": 40, "ignore_eos": true, "stream_options": ["include_usage": true]]
    }
    if let model = settings.model { body["model"] = model }
    return String(data: try! JSONSerialization.data(withJSONObject: body), encoding: .utf8)!
}

func route(_ workload: String) -> String {
    switch workload {
    case "classify": "/v1/classify"
    case "embed": "/v1/embeddings"
    default: "/v1/completions"
    }
}

func runLoad(client: HTTPClient, settings: LoadSettings, clients: Int, texts: [String]) async -> String {
    let start = ContinuousClock.now
    let deadline = start + .milliseconds(Int64(settings.seconds * 1000))
    let counter = RequestCounter(limit: settings.requests)
    // Warm-up: one request per client, not counted.
    await withTaskGroup(of: Void.self) { group in
        for c in 0..<clients { group.addTask { _ = await send(client, settings, text: texts[c % texts.count]) } }
    }
    let measuredStart = ContinuousClock.now
    let samples = await withTaskGroup(of: [Sample].self) { group in
        for c in 0..<clients {
            group.addTask {
                var mine: [Sample] = []
                var i = c
                while ContinuousClock.now < deadline, counter.take() {
                    mine.append(await send(client, settings, text: texts[i % texts.count]))
                    i += clients
                }
                return mine
            }
        }
        return await group.reduce(into: [Sample]()) { $0 += $1 }
    }
    let wall = Double((ContinuousClock.now - measuredStart).components.attoseconds) / 1e18 + Double((ContinuousClock.now - measuredStart).components.seconds)
    let ok = samples.filter { !$0.failed }
    let ms = { (x: Double) in (x * 1000 * 100).rounded() / 100 }
    var fields: [String] = [
        "\"label\": \"\(settings.label)\"", "\"workload\": \"\(settings.workload)\"", "\"clients\": \(clients)",
        "\"requests\": \(samples.count)", "\"errors\": \(samples.count - ok.count)", "\"seconds\": \(ms(wall) / 1000)",
        "\"requests_per_s\": \(((Double(ok.count) / wall) * 100).rounded() / 100)",
        "\"p50_ms\": \(ms(percentile(ok.map(\.latency), 50)))", "\"p95_ms\": \(ms(percentile(ok.map(\.latency), 95)))",
        "\"p99_ms\": \(ms(percentile(ok.map(\.latency), 99)))",
    ]
    if settings.workload == "complete" {
        let tokens = ok.reduce(0) { $0 + $1.tokens }
        let gaps = ok.flatMap(\.tokenGaps)
        fields += ["\"tokens_per_s\": \(((Double(tokens) / wall) * 10).rounded() / 10)",
                   "\"ttft_p50_ms\": \(ms(percentile(ok.compactMap(\.firstToken), 50)))",
                   "\"ttft_p99_ms\": \(ms(percentile(ok.compactMap(\.firstToken), 99)))",
                   "\"itl_p50_ms\": \(ms(percentile(gaps, 50)))", "\"itl_p99_ms\": \(ms(percentile(gaps, 99)))",
                   "\"tokens_per_request\": \(ok.isEmpty ? 0 : tokens / ok.count)"]
    }
    _ = start
    return "{" + fields.joined(separator: ", ") + "}"
}

/// Hands out at most `limit` request slots across clients.
final class RequestCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int
    init(limit: Int) { left = limit }
    func take() -> Bool { lock.withLock { left > 0 ? { left -= 1; return true }() : false } }
}

func send(_ client: HTTPClient, _ settings: LoadSettings, text: String) async -> Sample {
    var request = HTTPClientRequest(url: settings.url + route(settings.workload))
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: requestBody(settings, text: text)))
    let start = ContinuousClock.now
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
    do {
        let response = try await client.execute(request, timeout: .seconds(120))
        guard response.status == .ok else {
            _ = try? await response.body.collect(upTo: 1 << 20)
            return Sample(latency: seconds(.now - start), failed: true)
        }
        var sample = Sample(latency: 0)
        if settings.workload == "complete" {
            var pending = ""
            var last: ContinuousClock.Instant?
            for try await buffer in response.body {
                pending += String(buffer: buffer)
                while let range = pending.range(of: "\n\n") {
                    let event = String(pending[..<range.lowerBound])
                    pending.removeSubrange(..<range.upperBound)
                    guard event.hasPrefix("data: {"),
                          let object = try? JSONSerialization.jsonObject(with: Data(event.dropFirst(6).utf8)) as? [String: Any] else { continue }
                    if let usage = object["usage"] as? [String: Any], let tokens = usage["completion_tokens"] as? Int { sample.tokens = tokens }
                    // A chunk with text: the first sets the time to first token, the rest the gaps between tokens.
                    guard let choices = object["choices"] as? [[String: Any]], choices.contains(where: { ($0["text"] as? String)?.isEmpty == false })
                    else { continue }
                    let now = ContinuousClock.now
                    if let last { sample.tokenGaps.append(seconds(now - last)) } else { sample.firstToken = seconds(now - start) }
                    last = now
                }
            }
        } else {
            _ = try await response.body.collect(upTo: 64 << 20)
        }
        sample.latency = seconds(.now - start)
        return sample
    } catch {
        return Sample(latency: seconds(.now - start), failed: true)
    }
}
