import Foundation
import LemmaData

/// Predicted LaTeX rendered to PNG (TeX Live + dvipng, as im2latex's evaluation renders), for the page to
/// show beside the uploaded image. Formulas that could read or write files or redefine TeX are not rendered.
enum FormulaPreview {
    static let forbidden = ["\\input", "\\include", "\\openin", "\\openout", "\\read", "\\write", "\\immediate", "\\catcode",
                            "\\csname", "\\special", "\\def", "\\let", "\\newcommand", "\\renewcommand", "^^"]

    /// A `data:image/png;base64,…` URL per formula, or nil where it failed to compile or was refused.
    static func render(_ formulas: [String]) async -> [String?] {
        (try? await offloaded { () throws -> [String?] in
            let renderer = try FormulaRenderer(dpi: 150)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-preview-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let allowed = formulas.indices.filter { i in !forbidden.contains { formulas[i].contains($0) } }
            let outputs = allowed.map { directory.appendingPathComponent("\($0).png") }
            let outcomes = try renderer.render(allowed.map { formulas[$0] }, to: outputs, workDirectory: directory)
            var urls = [String?](repeating: nil, count: formulas.count)
            for (index, (output, outcome)) in zip(allowed, zip(outputs, outcomes)) where outcome == .rendered {
                if let data = FileManager.default.contents(atPath: output.path) { urls[index] = "data:image/png;base64," + data.base64EncodedString() }
            }
            return urls
        }) ?? formulas.map { _ in nil }
    }
}

/// Runs blocking work (an external process, a file) on a thread of its own, off Swift's cooperative threads.
func offloaded<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }.start()
    }
}
