import ArgumentParser
import Foundation
import Lemma

/// `lemma embed`: one sentence embedding per input line, as a JSON array of floats, computed as
/// sentence-transformers computes it for the model directory (pooling, normalization, maximum length).
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the sentence embedding of each input line as a JSON array.",
        discussion: "Reads FILE, or standard input. --model is a Hugging Face BERT directory: config.json, model.safetensors, vocab.txt or tokenizer.json, and optionally sentence-transformers' modules.json, 1_Pooling/config.json and sentence_bert_config.json (e.g. all-MiniLM-L6-v2). Without those: mean pooling, not normalized.")

    @Option(help: "Model directory.") var model: String
    @Flag(help: "Print the pooled vectors without the L2 normalization the model's pipeline applies.") var noNormalize = false
    @Option(parsing: .unconditional, help: "Lines per forward pass.") var batchSize = 32
    @Argument(help: "Input file (default: standard input).") var file: String?

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let lines = try InputLines.read(file)
        let encoder = try BertEncoder(directory: URL(fileURLWithPath: model))
        // Embed and print a slice at a time, so output starts early and long inputs never hold every vector.
        let slice = batchSize * 16
        // The model reads at most maxLength tokens of a line, as sentence-transformers does; said once, on stderr.
        var truncated = 0, firstTruncated = 0
        for (index, line) in lines.enumerated() where line.utf8.count + 2 > encoder.maxLength && encoder.tokenCount(line) > encoder.maxLength {
            truncated += 1
            if truncated == 1 { firstTruncated = index + 1 }
        }
        if truncated > 0 {
            FileHandle.standardError.write(Data("lemma embed: \(truncated) of \(lines.count) lines are longer than the model's \(encoder.maxLength) tokens and are truncated (the first: line \(firstTruncated))\n".utf8))
        }
        for start in stride(from: 0, to: lines.count, by: slice) {
            let texts = Array(lines[start..<min(start + slice, lines.count)])
            let vectors = encoder.embed(texts, batchSize: batchSize, normalize: noNormalize ? false : nil)
            var output = ""
            vectors.withUnsafeBufferPointer { values in
                for row in 0..<texts.count {
                    let vector = values[(row * encoder.dimension)..<((row + 1) * encoder.dimension)]
                    output += jsonArray(vector.map { "\($0)" }) + "\n"
                }
            }
            emit(output)
        }
    }
}
