import Foundation
import LemmaTensor
import LemmaText

/// A BERT model's shape and hyper-parameters, as a Hugging Face `config.json` gives them (the names in
/// comments are its keys). Keys that fix the weights' shapes are required; the rest default as in
/// transformers' `BertConfig`.
public struct BertConfiguration: Sendable, Equatable {
    public var vocabularySize: Int          // vocab_size
    public var hiddenSize: Int              // hidden_size
    public var layerCount: Int              // num_hidden_layers
    public var headCount: Int               // num_attention_heads
    public var intermediateSize: Int        // intermediate_size
    public var activation: HuggingFaceActivation   // hidden_act
    public var maxPositions: Int            // max_position_embeddings
    public var tokenTypeCount: Int          // type_vocab_size
    public var layerNormEps: Float          // layer_norm_eps
    public var hiddenDropout: Float         // hidden_dropout_prob
    public var attentionDropout: Float      // attention_probs_dropout_prob
    public var padTokenID: Int?             // pad_token_id
    public var initializerRange: Float      // initializer_range: std of freshly initialized weights
    public var classifierDropout: Float?    // classifier_dropout (nil: hiddenDropout)
    public var labelCount: Int?             // len(id2label), or num_labels

    public init(vocabularySize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
                activation: HuggingFaceActivation = .gelu, maxPositions: Int = 512, tokenTypeCount: Int = 2,
                layerNormEps: Float = 1e-12, hiddenDropout: Float = 0.1, attentionDropout: Float = 0.1,
                padTokenID: Int? = 0, initializerRange: Float = 0.02, classifierDropout: Float? = nil,
                labelCount: Int? = nil) {
        precondition(hiddenSize % headCount == 0, "BertConfiguration: hidden size \(hiddenSize) is not divisible by \(headCount) heads")
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.activation = activation
        self.maxPositions = maxPositions
        self.tokenTypeCount = tokenTypeCount
        self.layerNormEps = layerNormEps
        self.hiddenDropout = hiddenDropout
        self.attentionDropout = attentionDropout
        self.padTokenID = padTokenID
        self.initializerRange = initializerRange
        self.classifierDropout = classifierDropout
        self.labelCount = labelCount
    }

    /// Reads a Hugging Face config.json; errors name the file and the key.
    public init(contentsOf url: URL) throws {
        try self.init(file: try JSONConfigFile(url: url))
    }

    /// Parses config.json text (`path` names it in errors).
    public init(json data: Data, path: String = "config.json") throws {
        try self.init(file: try JSONConfigFile(data: data, path: path))
    }

    init(file: JSONConfigFile) throws {
        if let type = file.value("model_type")?.string, type != "bert" {
            throw file.error("model_type", "is \"\(type)\"; only \"bert\" models are supported")
        }
        let positionType = try file.string("position_embedding_type", default: "absolute")
        guard positionType == "absolute" else {
            throw file.error("position_embedding_type", "is \"\(positionType)\"; only \"absolute\" is supported")
        }
        let activationName = try file.string("hidden_act", default: "gelu")
        guard let activation = HuggingFaceActivation(huggingFaceName: activationName) else {
            throw file.error("hidden_act", "is \"\(activationName)\"; supported: \(HuggingFaceActivation.supportedNames.joined(separator: ", "))")
        }
        let hiddenSize = try file.integer("hidden_size", minimum: 1)
        let headCount = try file.integer("num_attention_heads", minimum: 1)
        guard hiddenSize % headCount == 0 else {
            throw file.error("num_attention_heads", "(\(headCount)) must divide hidden_size (\(hiddenSize))")
        }
        func probability(_ key: String, default fallback: Double) throws -> Float {
            let p = try file.number(key, default: fallback)
            guard p >= 0 && p < 1 else { throw file.error(key, "must be in [0, 1), got \(p)") }
            return Float(p)
        }
        let vocabularySize = try file.integer("vocab_size", minimum: 1)
        let padTokenID = try file.value("pad_token_id").map { _ in try file.integer("pad_token_id") }
        if let padTokenID, padTokenID >= vocabularySize {
            throw file.error("pad_token_id", "(\(padTokenID)) must be below vocab_size (\(vocabularySize))")
        }
        let layerNormEps = try file.number("layer_norm_eps", default: 1e-12)
        guard layerNormEps > 0 else { throw file.error("layer_norm_eps", "must be positive, got \(layerNormEps)") }
        self.init(vocabularySize: vocabularySize,
                  hiddenSize: hiddenSize,
                  layerCount: try file.integer("num_hidden_layers", minimum: 1),
                  headCount: headCount,
                  intermediateSize: try file.integer("intermediate_size", minimum: 1),
                  activation: activation,
                  maxPositions: try file.integer("max_position_embeddings", minimum: 1),
                  tokenTypeCount: try file.integer("type_vocab_size", default: 2, minimum: 1),
                  layerNormEps: Float(layerNormEps),
                  hiddenDropout: try probability("hidden_dropout_prob", default: 0.1),
                  attentionDropout: try probability("attention_probs_dropout_prob", default: 0.1),
                  padTokenID: padTokenID,
                  initializerRange: Float(try file.number("initializer_range", default: 0.02)),
                  classifierDropout: try file.value("classifier_dropout").map { _ in try probability("classifier_dropout", default: 0) },
                  labelCount: try Self.labelCount(file))
    }

    /// transformers takes the number of labels from id2label when present, else num_labels.
    private static func labelCount(_ file: JSONConfigFile) throws -> Int? {
        if let labels = file.value("id2label") {
            guard let map = labels.members, !map.isEmpty else { throw file.error("id2label", "must be a non-empty object") }
            return Set(map.map(\.key)).count
        }
        return try file.value("num_labels").map { _ in try file.integer("num_labels", minimum: 1) }
    }

    public var headDimension: Int { hiddenSize / headCount }
}
