import Foundation
import LemmaNN
import LemmaTensor

/// A Hugging Face GPT-2 directory: config.json and model.safetensors, as `save_pretrained` writes them and
/// `from_pretrained` reads them. Reading accepts keys with or without the `transformer.` prefix (the Hub's
/// original gpt2 files have none), ignores the causal-mask buffers older versions stored (`attn.bias`,
/// `attn.masked_bias`) and the tied `lm_head.weight`; every weight must be present, floating point, and of
/// the shape config.json implies. Errors name the file and the key.
public enum GPT2Checkpoint {
    public static let configFile = "config.json", weightsFile = "model.safetensors"

    /// The model in `directory`, in evaluation mode: a Hugging Face directory, or an OpenAI / nshepperd
    /// TensorFlow checkpoint directory (hparams.json beside the checkpoint files).
    public static func load(_ directory: URL) throws -> GPT2Model {
        let hparams = directory.appendingPathComponent(TensorFlowGPT2.hparamsFile)
        if !FileManager.default.fileExists(atPath: directory.appendingPathComponent(configFile).path),
           FileManager.default.fileExists(atPath: hparams.path) {
            return try TensorFlowGPT2.load(directory)
        }
        let configuration = try GPT2Configuration(contentsOf: directory.appendingPathComponent(configFile))
        let model = try GPT2Model(configuration)
        try loadWeights(directory.appendingPathComponent(weightsFile), into: model)
        model.eval()
        return model
    }

    /// Copies the weights of a safetensors file into `model`.
    public static func loadWeights(_ url: URL, into model: GPT2Model) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FileFormatError(url.path, "not found (a GPT-2 directory holds config.json and model.safetensors)")
        }
        let file = try SafetensorsFile(url: url)
        let expected = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.key, $0.tensor.shape) })
        var state: [String: Tensor] = [:]
        for name in file.names {
            let key = name.hasPrefix("transformer.") || name.hasPrefix("lm_head.") ? name : "transformer." + name
            if key.hasSuffix(".attn.bias") || key.hasSuffix(".attn.masked_bias") { continue }
            let entry = file.entries[name]!
            if key == "lm_head.weight" {
                // Tied to wte: it may be stored, but it must agree in shape.
                let table = [model.configuration.vocabularySize, model.configuration.width]
                guard entry.shape == table else {
                    throw FileFormatError(url.path, "key '\(name)' has shape \(entry.shape), config.json implies \(table)")
                }
                continue
            }
            guard let shape = expected[key] else { throw FileFormatError(url.path, "unexpected key '\(name)'") }
            guard [.f32, .f16, .bf16, .f64].contains(entry.dtype) else {
                throw FileFormatError(url.path, "key '\(name)' has dtype \(entry.dtype.rawValue), expected a floating-point type (F32, F16, BF16)")
            }
            guard entry.shape == shape else {
                throw FileFormatError(url.path, "key '\(name)' has shape \(entry.shape), config.json implies \(shape)")
            }
            state[key] = try file.tensor(name)
        }
        if let missing = expected.keys.sorted().first(where: { state[$0] == nil }) {
            let more = expected.keys.filter { state[$0] == nil }.count - 1
            throw FileFormatError(url.path, "missing key '\(missing)'\(more > 0 ? " and \(more) more" : "")")
        }
        do {
            try model.loadStateDict(state)
        } catch let error as StateDictError {
            throw FileFormatError(url.path, error.message)
        }
    }

    /// Writes `model` as transformers saves a `GPT2LMHeadModel` (keys with the `transformer.` prefix, no
    /// separate LM head), so `GPT2LMHeadModel.from_pretrained(directory)` loads it. Each file is written
    /// atomically.
    public static func save(_ model: GPT2Model, to directory: URL, metadata: [String: String] = [:]) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw FileFormatError(directory.path, "cannot create the directory: \(error.localizedDescription)")
        }
        try Safetensors.write(model.stateDict(), metadata: metadata.merging(["format": "pt"]) { a, _ in a },
                              to: directory.appendingPathComponent(weightsFile))
        try writeAtomically(to: directory.appendingPathComponent(configFile)) { append in
            try Array(model.configuration.json.utf8).withUnsafeBytes { try append($0) }
        }
    }
}
