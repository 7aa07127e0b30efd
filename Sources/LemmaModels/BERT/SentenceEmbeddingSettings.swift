import Foundation
import LemmaTensor
import LemmaText

/// How a sentence-transformers export turns token states into one vector, read from its files:
/// modules.json (the pipeline: Transformer → Pooling → optional Normalize), the pooling module's
/// config.json, and sentence_bert_config.json (max_seq_length, do_lower_case). A plain BERT directory
/// without them gets mean pooling, no normalization and the model's own maximum length.
public struct SentenceEmbeddingSettings: Sendable, Equatable {
    public var pooling: SentencePooling
    public var normalize: Bool
    /// Tokens per text, [CLS] and [SEP] included; nil: the model's max_position_embeddings.
    public var maxLength: Int?
    /// sentence-transformers' own lower-casing of the text before the tokenizer.
    public var lowercaseText: Bool

    public init(pooling: SentencePooling = .mean, normalize: Bool = false, maxLength: Int? = nil, lowercaseText: Bool = false) {
        self.pooling = pooling
        self.normalize = normalize
        self.maxLength = maxLength
        self.lowercaseText = lowercaseText
    }

    public init(directory: URL) throws {
        self.init()
        let manager = FileManager.default
        let settings = directory.appendingPathComponent("sentence_bert_config.json")
        if manager.fileExists(atPath: settings.path) {
            let file = try JSONConfigFile(url: settings)
            maxLength = try file.value("max_seq_length").map { _ in try file.integer("max_seq_length", minimum: 2) }
            lowercaseText = try file.boolean("do_lower_case") ?? false
        }
        let modulesURL = directory.appendingPathComponent("modules.json")
        guard manager.fileExists(atPath: modulesURL.path) else { return }
        for module in try Self.modules(modulesURL) {
            switch module.type.split(separator: ".").last ?? "" {
            case "Transformer":
                break
            case "Pooling":
                pooling = try Self.pooling(directory.appendingPathComponent(module.path).appendingPathComponent("config.json"))
            case "Normalize":
                normalize = true
            default:
                throw FileFormatError(modulesURL.path, "module type \"\(module.type)\" is not supported (only Transformer, Pooling and Normalize)")
            }
        }
    }

    private static func modules(_ url: URL) throws -> [(type: String, path: String)] {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw FileFormatError(url.path, "cannot read the file") }
        guard let list = (try? JSONParser.parse([UInt8](data)))?.elements, list.allSatisfy({ $0.members != nil }) else {
            throw FileFormatError(url.path, "expected a JSON array of modules")
        }
        return try list.enumerated().map { index, module in
            guard let type = module["type"]?.string else {
                throw FileFormatError(url.path, "module \(index): key 'type' is missing or not a string")
            }
            return (type, module["path"]?.string ?? "")
        }
    }

    /// The one pooling mode the config switches on.
    private static func pooling(_ url: URL) throws -> SentencePooling {
        let file = try JSONConfigFile(url: url)
        let supported: [(key: String, mode: SentencePooling)] =
            [("pooling_mode_mean_tokens", .mean), ("pooling_mode_cls_token", .cls), ("pooling_mode_max_tokens", .max)]
        let unsupported = ["pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"]
        for key in unsupported where try file.boolean(key) == true {
            throw file.error(key, "is true; only mean, cls and max pooling are supported")
        }
        let chosen = try supported.filter { try file.boolean($0.key) == true }
        guard chosen.count == 1 else {
            throw FileFormatError(url.path, chosen.isEmpty ? "no pooling mode is switched on"
                                  : "combines \(chosen.map(\.key).joined(separator: " and ")); only one pooling mode is supported")
        }
        return chosen[0].mode
    }
}
