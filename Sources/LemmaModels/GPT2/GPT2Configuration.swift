import Foundation
import LemmaTensor
import LemmaText
import LemmaTrain

/// A GPT-2 model's shape and hyper-parameters, as a Hugging Face `config.json` gives them (the names in
/// comments are its keys; missing ones default as in transformers' `GPT2Config`, which is the 124M model).
public struct GPT2Configuration: Sendable, Equatable {
    public var vocabularySize = 50257           // vocab_size
    public var maxPositions = 1024              // n_positions
    public var width = 768                      // n_embd
    public var layerCount = 12                  // n_layer
    public var headCount = 12                   // n_head
    public var innerSize: Int? = nil            // n_inner (nil: 4 × n_embd)
    public var activation = HuggingFaceActivation.geluTanh  // activation_function ("gelu_new")
    public var residualDropout: Float = 0.1     // resid_pdrop
    public var embeddingDropout: Float = 0.1    // embd_pdrop
    public var attentionDropout: Float = 0.1    // attn_pdrop
    public var layerNormEps: Float = 1e-5       // layer_norm_epsilon
    public var initializerRange: Float = 0.02   // initializer_range
    public var scaleAttentionWeights = true     // scale_attn_weights: scores divided by √(head size)
    public var bosTokenID = 50256               // bos_token_id
    public var eosTokenID = 50256               // eos_token_id

    public init() {}

    public var feedForwardSize: Int { innerSize ?? 4 * width }
    public var headSize: Int { width / headCount }

    /// The first setting that cannot make a model, named by its config.json key.
    public func validate() throws {
        func fail(_ key: String, _ message: String) throws -> Never { throw ConfigError("GPT-2 '\(key)' \(message)") }
        if vocabularySize < 1 { try fail("vocab_size", "must be >= 1, got \(vocabularySize)") }
        if maxPositions < 1 { try fail("n_positions", "must be >= 1, got \(maxPositions)") }
        if layerCount < 1 { try fail("n_layer", "must be >= 1, got \(layerCount)") }
        if headCount < 1 || width % headCount != 0 { try fail("n_head", "(\(headCount)) must divide n_embd (\(width))") }
        if feedForwardSize < 1 { try fail("n_inner", "must be >= 1, got \(feedForwardSize)") }
        for (key, p) in [("resid_pdrop", residualDropout), ("embd_pdrop", embeddingDropout), ("attn_pdrop", attentionDropout)]
        where !(p >= 0 && p < 1) {
            try fail(key, "must be in [0, 1), got \(p)")
        }
        if !(layerNormEps > 0) { try fail("layer_norm_epsilon", "must be positive, got \(layerNormEps)") }
    }

    /// Reads a Hugging Face config.json; errors name the file and the key.
    public init(contentsOf url: URL) throws {
        try self.init(file: try JSONConfigFile(url: url))
    }

    init(file: JSONConfigFile) throws {
        if let type = file.value("model_type")?.string, type != "gpt2" {
            throw file.error("model_type", "is \"\(type)\"; only \"gpt2\" models are supported here")
        }
        vocabularySize = try file.integer("vocab_size", default: vocabularySize, minimum: 1)
        maxPositions = try file.integer("n_positions", default: maxPositions, minimum: 1)
        width = try file.integer("n_embd", default: width, minimum: 1)
        layerCount = try file.integer("n_layer", default: layerCount, minimum: 1)
        headCount = try file.integer("n_head", default: headCount, minimum: 1)
        guard width % headCount == 0 else { throw file.error("n_head", "(\(headCount)) must divide n_embd (\(width))") }
        innerSize = try file.value("n_inner").map { _ in try file.integer("n_inner", minimum: 1) }
        let activationName = try file.string("activation_function", default: "gelu_new")
        guard let activation = HuggingFaceActivation(huggingFaceName: activationName) else {
            throw file.error("activation_function", "is \"\(activationName)\"; supported: \(HuggingFaceActivation.supportedNames.joined(separator: ", "))")
        }
        self.activation = activation
        func probability(_ key: String, _ fallback: Float) throws -> Float {
            let p = try file.number(key, default: Double(fallback))
            guard p >= 0 && p < 1 else { throw file.error(key, "must be in [0, 1), got \(p)") }
            return Float(p)
        }
        residualDropout = try probability("resid_pdrop", residualDropout)
        embeddingDropout = try probability("embd_pdrop", embeddingDropout)
        attentionDropout = try probability("attn_pdrop", attentionDropout)
        let eps = try file.number("layer_norm_epsilon", default: Double(layerNormEps))
        guard eps > 0 else { throw file.error("layer_norm_epsilon", "must be positive, got \(eps)") }
        layerNormEps = Float(eps)
        initializerRange = Float(try file.number("initializer_range", default: Double(initializerRange)))
        scaleAttentionWeights = try file.boolean("scale_attn_weights") ?? true
        // Settings that change the function computed, which this implementation does not have: refuse them
        // rather than load a model that silently computes something else.
        if try file.boolean("scale_attn_by_inverse_layer_idx") == true {
            throw file.error("scale_attn_by_inverse_layer_idx", "is true; only GPT-2's standard attention scaling is supported")
        }
        if try file.boolean("tie_word_embeddings") == false {
            throw file.error("tie_word_embeddings", "is false; GPT-2 here ties the LM head to the token embedding")
        }
        bosTokenID = try file.integer("bos_token_id", default: bosTokenID)
        eosTokenID = try file.integer("eos_token_id", default: eosTokenID)
    }

    /// config.json as transformers writes it for a `GPT2LMHeadModel`.
    public var json: String {
        var fields: [(String, String)] = [
            ("activation_function", "\"\(activation.rawValue)\""),
            ("architectures", "[\"GPT2LMHeadModel\"]"),
            ("attn_pdrop", "\(attentionDropout)"),
            ("bos_token_id", "\(bosTokenID)"),
            ("embd_pdrop", "\(embeddingDropout)"),
            ("eos_token_id", "\(eosTokenID)"),
            ("initializer_range", "\(initializerRange)"),
            ("layer_norm_epsilon", "\(layerNormEps)"),
            ("model_type", "\"gpt2\""),
            ("n_embd", "\(width)"),
            ("n_head", "\(headCount)"),
            ("n_inner", innerSize.map(String.init) ?? "null"),
            ("n_layer", "\(layerCount)"),
            ("n_positions", "\(maxPositions)"),
            ("resid_pdrop", "\(residualDropout)"),
            ("scale_attn_weights", "\(scaleAttentionWeights)"),
            ("tie_word_embeddings", "true"),
            ("vocab_size", "\(vocabularySize)"),
        ]
        fields.sort { $0.0 < $1.0 }
        return "{\n" + fields.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }
}
