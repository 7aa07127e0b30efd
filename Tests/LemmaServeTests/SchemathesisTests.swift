import Foundation
import LemmaServe
import Testing

/// The server against its own OpenAPI document, fuzzed by schemathesis (PyPI): no 5xx, every status and
/// body as documented, schema-valid requests accepted and invalid ones refused. `.ci/run` installs
/// schemathesis; elsewhere set LEMMA_SCHEMATHESIS to its executable (or put it on PATH), or the test
/// reports itself skipped.
struct SchemathesisTests {
    static let executable: String? = {
        if let path = ProcessInfo.processInfo.environment["LEMMA_SCHEMATHESIS"], FileManager.default.isExecutableFile(atPath: path) { return path }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [repository.appendingPathComponent("bench/.venv/bin/schemathesis").path]
            + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/schemathesis" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    @Test(.enabled(if: executable != nil, "schemathesis is not installed (pip install schemathesis; LEMMA_SCHEMATHESIS=path)"))
    func everyRouteBehavesAsItsOpenAPIDocumentSays() async throws {
        let server = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2Long), .run(ServeFixtures.classifier), .directory(ServeFixtures.bert),
                                           .run(ServeFixtures.translator), .run(ServeFixtures.im2latex)] }) { $0.chatTemplate = .chatml }
        try await server.withLivePort { port in
            let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("schemathesis.toml")
            let arguments = ["--config-file", config.path, "run", "http://127.0.0.1:\(port)/openapi.json",
                             "--max-examples", "40", "--seed", "1", "--no-color"]
            let (status, text) = try await blocking { () throws -> (Int32, String) in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: Self.executable!)
                process.arguments = arguments
                process.currentDirectoryURL = FileManager.default.temporaryDirectory
                let output = Pipe()
                process.standardOutput = output
                process.standardError = output
                try process.run()
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                return (process.terminationStatus, text)
            }
            #expect(status == 0, "schemathesis found failures:\n\(text.suffix(6000))")
            #expect(text.contains("passed"), "\(text.suffix(2000))")
        }
    }
}
