import Foundation
import Testing

/// `lemma train / eval / generate / export` with `task: language_model`, through the built binary, on a
/// small GPT-2 and a repetitive text it can learn in a few seconds.
struct LanguageModelCommandTests {
    let cli = CommandLineTests()

    func trainedRun() throws -> (directory: URL, run: URL) {
        let directory = try cli.temporaryDirectory()
        let lines = (0..<80).map { "{\"text\": \"theorem t\($0): |- ( ph -> ph ) by ax-1 ax-2 ax-mp\"}" }
        try lines.joined(separator: "\n").write(to: directory.appendingPathComponent("proofs.jsonl"), atomically: true, encoding: .utf8)
        try String(repeating: "theorem x: |- ( ph -> ph ) by ax-1 ax-2 ax-mp\n", count: 10)
            .write(to: directory.appendingPathComponent("held.txt"), atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("config.yaml")
        try """
        task: language_model
        data:
          train: \(directory.path)/proofs.jsonl
          valid_fraction: 0.1
          block_size: 16
        model:
          embedding_dim: 24
          num_layers: 2
          num_heads: 2
          max_positions: 64
        train:
          learning_rate: 0.01
          lr_scheduler: cosine
          batch_size: 4
          epochs: 4
          sample_steps: 20
          sample_length: 8
          deterministic: true

        """.write(to: config, atomically: true, encoding: .utf8)
        let run = directory.appendingPathComponent("run")
        let result = try cli.run(["train", "--config", config.path, "--output", run.path])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.error.contains("sample at step 20"), "no sample in the log: \(result.error)")
        return (directory, run)
    }

    @Test func trainEvaluateGenerateAndExport() throws {
        let (directory, run) = try trainedRun()
        defer { try? FileManager.default.removeItem(at: directory) }

        let eval = try cli.run(["eval", "--run", run.path, "--data", directory.appendingPathComponent("held.txt").path, "--json"])
        #expect(eval.status == 0, "\(eval.error)")
        let metrics = try JSONSerialization.jsonObject(with: Data(eval.output.utf8)) as? [String: Double] ?? [:]
        let loss = try #require(metrics["loss"]), perplexity = try #require(metrics["perplexity"])
        #expect(loss < 5 && abs(perplexity - exp(loss)) < 1e-6 * perplexity, "\(metrics)")

        let arguments = ["generate", "--run", run.path, "--prompt", "theorem", "--max-new-tokens", "6", "--seed", "3", "--num-samples", "2"]
        let first = try cli.run(arguments), second = try cli.run(arguments)
        #expect(first.status == 0, "\(first.error)")
        #expect(first.output == second.output && first.output.contains("======== SAMPLE 2 ========"), "\(first.output)")
        let batched = try cli.run(arguments + ["--batch-size", "2"])
        #expect(batched.status == 0 && batched.output.components(separatedBy: "SAMPLE").count == 3, "\(batched.output)")

        let exported = directory.appendingPathComponent("hf")
        let export = try cli.run(["export", "--run", run.path, "--output", exported.path])
        #expect(export.status == 0, "\(export.error)")
        for file in ["config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json"] {
            #expect(FileManager.default.fileExists(atPath: exported.appendingPathComponent(file).path), "export wrote no \(file)")
        }
        let settings = try JSONSerialization.jsonObject(with: Data(contentsOf: exported.appendingPathComponent("tokenizer_config.json"))) as? [String: Any]
        let positions = try JSONSerialization.jsonObject(with: Data(contentsOf: exported.appendingPathComponent("config.json"))) as? [String: Any]
        #expect(settings?["model_max_length"] as? Int == positions?["n_positions"] as? Int)
        #expect(settings?["eos_token"] as? String == "<|endoftext|>")
        let fromDirectory = try cli.run(["generate", "--model", exported.path, "--prompt", "theorem", "--max-new-tokens", "6",
                                         "--seed", "3", "--num-samples", "2"])
        // The directory's own vocab.json and merges.txt tokenize and detokenize here.
        #expect(fromDirectory.output == first.output, "the exported directory samples differently from the run")
    }

    @Test func badGenerateOptionsAreOneLineErrors() throws {
        let directory = try cli.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (arguments, message) in [
            (["generate", "--prompt", "x"], "give exactly one of --run and --model"),
            (["generate", "--model", directory.path, "--top-p", "1.5"], "top-p must be in (0, 1]"),
            (["generate", "--model", directory.path, "--greedy", "--top-k", "3"], "apply to sampling"),
            (["generate", "--model", directory.path], "config.json"),
        ] {
            let result = try cli.run(arguments)
            #expect(result.status != 0 && result.error.contains(message), "\(arguments): \(result.error)")
        }
    }
}
