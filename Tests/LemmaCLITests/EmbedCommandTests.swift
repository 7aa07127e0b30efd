import Foundation
import LemmaTensor
import Testing

/// `lemma embed` on the tiny BERT of LemmaModelsTests (Fixtures/bert-tiny), against the transformers
/// references of scripts/make_bert_fixtures.py (bert-tiny-reference.safetensors).
struct EmbedCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../LemmaModelsTests/Fixtures").standardizedFileURL
    let cli = CommandLineTests()

    /// bert-tiny plus sentence-transformers files: mean pooling, then Normalize.
    func sentenceTransformersCopy() throws -> URL {
        let directory = try cli.temporaryDirectory().appendingPathComponent("model")
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("bert-tiny"), to: directory)
        try Data(#"[{"path": "", "type": "sentence_transformers.models.Transformer"}, {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}, {"path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]"#.utf8)
            .write(to: directory.appendingPathComponent("modules.json"))
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
        try Data(#"{"pooling_mode_mean_tokens": true}"#.utf8).write(to: directory.appendingPathComponent("1_Pooling/config.json"))
        return directory
    }

    func vectors(_ output: String) -> [[Float]] {
        output.split(separator: "\n").map { line in
            ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [NSNumber] ?? []).map(\.floatValue)
        }
    }

    func expectRows(_ rows: [[Float]], _ expected: Tensor, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(rows.count == expected.shape[0] && rows.allSatisfy { $0.count == expected.shape[1] }, "\(label): shape", sourceLocation: sourceLocation)
        let actual = Tensor(rows.flatMap { $0 }, shape: [rows.count, rows.first?.count ?? 0])
        guard actual.shape == expected.shape else { return }
        #expect(actual.closeness(to: expected, rtol: 0, atol: 1e-4).isClose, "\(label)", sourceLocation: sourceLocation)
    }

    @Test func printsOneEmbeddingPerLineNormalizedAsThePipelineSays() throws {
        let reference = try SafetensorsFile(url: Self.fixtures.appendingPathComponent("bert-tiny-reference.safetensors"))
        let sentences = try JSONDecoder().decode([String].self, from: Data(reference.metadata["sentences"]!.utf8))
        let input = sentences.joined(separator: "\n") + "\n"
        let model = try sentenceTransformersCopy()
        defer { try? FileManager.default.removeItem(at: model.deletingLastPathComponent()) }

        let normalized = try cli.run(["embed", "--model", model.path, "--batch-size", "2"], input: input)
        #expect(normalized.status == 0, "\(normalized.error)")
        expectRows(vectors(normalized.output), try reference.tensor("embed.normalized"), "normalized")

        let file = model.deletingLastPathComponent().appendingPathComponent("lines.txt")
        try input.write(to: file, atomically: true, encoding: .utf8)
        let raw = try cli.run(["embed", "--model", model.path, "--no-normalize", file.path])
        #expect(raw.status == 0, "\(raw.error)")
        expectRows(vectors(raw.output), try reference.tensor("embed.mean_pooled"), "--no-normalize")
        #expect(!normalized.error.contains("truncated") && !raw.error.contains("truncated"), "\(normalized.error)")

        // bert-tiny reads 24 positions: a longer line is truncated, as sentence-transformers does, and said so once.
        let long = try cli.run(["embed", "--model", model.path], input: "short\n" + Array(repeating: "the", count: 60).joined(separator: " ") + "\nalso short\n")
        #expect(long.status == 0 && vectors(long.output).count == 3, "\(long.error)")
        #expect(long.error.contains("1 of 3 lines are longer than the model's 24 tokens and are truncated (the first: line 2)"), "\(long.error)")
    }

    @Test func badModelDirectoryOrBatchSizeIsAOneLineError() throws {
        let missing = try cli.run(["embed", "--model", "/nonexistent/model"], input: "hello\n")
        #expect(missing.status != 0)
        #expect(missing.error.contains("/nonexistent/model: is not a directory"), "\(missing.error)")
        let zero = try cli.run(["embed", "--model", Self.fixtures.appendingPathComponent("bert-tiny").path, "--batch-size", "0"], input: "x\n")
        #expect(zero.status != 0 && zero.error.contains("--batch-size must be at least 1"), "\(zero.error)")
    }
}
