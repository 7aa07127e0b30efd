import Foundation
import LemmaTensor
import LemmaText

/// Writes a GPT-2 tokenizer as transformers saves one — vocab.json (token → id, special tokens included),
/// merges.txt (the merges in rank order) and tokenizer_config.json — so `AutoTokenizer.from_pretrained` loads
/// an exported directory without any other files. Each file is written atomically.
public enum GPT2TokenizerFiles {
    public static func save(_ tokenizer: GPT2Tokenizer, maxLength: Int, to directory: URL) throws {
        var vocabulary: [String: Int] = [:]
        for id in 0..<Int32(tokenizer.vocabularySize) {
            if let token = tokenizer.token(forID: id) { vocabulary[token] = Int(id) }
        }
        let merges: [(left: String, right: String)]
        do {
            merges = try tokenizer.merges()
        } catch {
            throw FileFormatError(directory.appendingPathComponent("merges.txt").path, "cannot list this vocabulary as merges: \(error)")
        }
        let endOfText = GPT2Tokenizer.endOfText
        let settings: [String: Any] = ["tokenizer_class": "GPT2Tokenizer", "model_max_length": maxLength,
                                       "add_prefix_space": false, "bos_token": endOfText, "eos_token": endOfText,
                                       "unk_token": endOfText]
        try write(JSONSerialization.data(withJSONObject: vocabulary, options: [.sortedKeys, .withoutEscapingSlashes]),
                  to: directory.appendingPathComponent("vocab.json"))
        try write(Data(("#version: 0.2\n" + merges.map { "\($0.left) \($0.right)\n" }.joined()).utf8),
                  to: directory.appendingPathComponent("merges.txt"))
        try write(JSONSerialization.data(withJSONObject: settings, options: [.sortedKeys, .prettyPrinted]),
                  to: directory.appendingPathComponent("tokenizer_config.json"))
    }

    /// A model directory's own vocab.json and merges.txt, else the bundled GPT-2 tokenizer (a directory
    /// transformers saved with only the weights).
    public static func load(from directory: URL) throws -> GPT2Tokenizer {
        let encoder = directory.appendingPathComponent("vocab.json"), merges = directory.appendingPathComponent("merges.txt")
        if FileManager.default.fileExists(atPath: encoder.path), FileManager.default.fileExists(atPath: merges.path) {
            return try GPT2Tokenizer(encoderJSON: encoder, vocabBPE: merges)
        }
        return try GPT2Tokenizer.bundled()
    }

    private static func write(_ data: Data, to url: URL) throws {
        try writeAtomically(to: url) { append in try data.withUnsafeBytes { try append($0) } }
    }
}
