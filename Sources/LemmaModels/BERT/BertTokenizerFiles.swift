import Foundation
import LemmaTensor
import LemmaText

/// The WordPiece tokenizer of a Hugging Face BERT directory: tokenizer.json when present (what
/// AutoTokenizer loads), else vocab.txt with the normalization tokenizer_config.json asks for
/// (do_lower_case, default true; strip_accents; tokenize_chinese_chars).
enum BertTokenizerFiles {
    static func load(directory: URL) throws -> WordPieceTokenizer {
        let manager = FileManager.default
        let json = directory.appendingPathComponent("tokenizer.json")
        if manager.fileExists(atPath: json.path) { return try WordPieceTokenizer(tokenizerJSON: json) }
        let vocab = directory.appendingPathComponent("vocab.txt")
        guard manager.fileExists(atPath: vocab.path) else {
            throw FileFormatError(directory.path, "has neither tokenizer.json nor vocab.txt; a BERT tokenizer needs one of them")
        }
        var normalizer = BertNormalizer()
        let configURL = directory.appendingPathComponent("tokenizer_config.json")
        if manager.fileExists(atPath: configURL.path) {
            let config = try JSONConfigFile(url: configURL)
            normalizer.lowercase = try config.boolean("do_lower_case") ?? true
            normalizer.stripAccents = try config.boolean("strip_accents")
            normalizer.handleChineseCharacters = try config.boolean("tokenize_chinese_chars") ?? true
        }
        return try WordPieceTokenizer(vocabFile: vocab, normalizer: normalizer)
    }

    /// tokenizer_config.json's model_max_length, when it is a real limit (transformers writes 1e30 for none).
    static func modelMaxLength(directory: URL) throws -> Int? {
        let url = directory.appendingPathComponent("tokenizer_config.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let config = try JSONConfigFile(url: url)
        guard let value = config.value("model_max_length")?.double, value < 1e9 else { return nil }
        return try config.integer("model_max_length", minimum: 2)
    }
}
