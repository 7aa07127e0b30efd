// Timing helpers shared by the workloads.
import Foundation
import Lemma

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

/// Training steps (loss, backward, optimizer step, zero grad) timed by `measure`, with where each step's
/// time goes: the median milliseconds of forward + loss, backward and optimizer, and the last loss.
func measureTrainingSteps(repeats: Int, inner: Int, optimizer: any Optimizer, loss: () -> Tensor)
    -> (seconds: Double, phaseMilliseconds: [Double], lastLoss: Float) {
    var phases: [[Double]] = [[], [], []]
    var lastLoss: Float = 0
    let seconds = measure(repeats: repeats, inner: inner) {
        let start = now()
        let value = loss()
        let forwardEnd = now()
        value.backward()
        let backwardEnd = now()
        optimizer.step()
        optimizer.zeroGrad()
        phases[0].append(forwardEnd - start)
        phases[1].append(backwardEnd - forwardEnd)
        phases[2].append(now() - backwardEnd)
        lastLoss = value.item
    }
    return (seconds, phases.map { $0.sorted()[$0.count / 2] * 1e3 }, lastLoss)
}
