import Foundation
import Synchronization

extension FormulaRenderer {
    /// Renders, on `workers` threads, every example whose image is not yet in `directory`, and returns the
    /// failures (example, LaTeX's message). Images already there are kept, so a second prepare renders nothing.
    public func renderMissing(_ examples: [FormulaExample], into directory: URL, workers: Int,
                              progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws -> [(FormulaExample, String)] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var seen = Set<String>()
        let missing = examples.filter { example in
            guard seen.insert(example.imageName).inserted else { return false }
            return !FileManager.default.fileExists(atPath: directory.appendingPathComponent(example.imageName).path)
        }
        guard !missing.isEmpty else { return [] }
        for example in missing where example.imageName.contains("/") {
            let parent = directory.appendingPathComponent(example.imageName).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        }
        let chunk = batchSize * 4
        let chunks = stride(from: 0, to: missing.count, by: chunk).map { $0..<min($0 + chunk, missing.count) }
        let next = Atomic<Int>(0), done = Atomic<Int>(0)
        let failures = Mutex<[(FormulaExample, String)]>([]), firstError = Mutex<Error?>(nil)
        let reporting = Mutex<Void>(())
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, chunks.count))) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < chunks.count, firstError.withLock({ $0 == nil }) else { return }
                let items = Array(missing[chunks[index]])
                do {
                    let outcomes = try render(items.map(\.formula),
                                              to: items.map { directory.appendingPathComponent($0.imageName) },
                                              workDirectory: directory)
                    let failed = zip(items, outcomes).compactMap { item, outcome -> (FormulaExample, String)? in
                        if case .failed(let message) = outcome { return (item, message) }
                        return nil
                    }
                    failures.withLock { $0 += failed }
                    let total = done.add(items.count, ordering: .relaxed).newValue
                    reporting.withLock { _ in progress(total, missing.count) }
                } catch {
                    firstError.withLock { $0 = $0 ?? error }
                }
            }
        }
        if let error = firstError.withLock({ $0 }) { throw error }
        return failures.withLock { $0 }.sorted { $0.0.line < $1.0.line }
    }
}
