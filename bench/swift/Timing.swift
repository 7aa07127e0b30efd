// Timing helpers shared by the workloads.
import Foundation

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Median seconds per call of `body`, over `repeats` timed batches of `inner` calls after a warm-up batch.
func measure(repeats: Int, inner: Int, _ body: () -> Void) -> Double {
    for _ in 0..<inner { body() }
    var samples: [Double] = []
    for _ in 0..<repeats {
        let start = now()
        for _ in 0..<inner { body() }
        samples.append((now() - start) / Double(inner))
    }
    return samples.sorted()[samples.count / 2]
}

func report(_ fields: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

/// `--only TEXT` limits a workload with many configurations to those whose name contains TEXT.
func matchesFilter(_ name: String) -> Bool {
    let arguments = CommandLine.arguments
    guard let at = arguments.firstIndex(of: "--only"), at + 1 < arguments.count else { return true }
    return name.contains(arguments[at + 1])
}
