import Foundation
import LemmaNN
import LemmaTensor

/// GPT-2 from a TensorFlow checkpoint directory as OpenAI released the models and nshepperd's scripts (seed
/// 001) fine-tune them: hparams.json (`n_vocab`, `n_ctx`, `n_embd`, `n_head`, `n_layer`), a `checkpoint` file
/// naming the latest checkpoint (else `model.ckpt`), and its `.index` / `.data-*` files. Weights are named
/// `model/h0/attn/c_attn/w` ([1, in, out]: a width-1 convolution) and so on; optimizer slots and counters in
/// a fine-tuning checkpoint (`…/Adam`, `global_step`) are ignored.
public enum TensorFlowGPT2 {
    public static let hparamsFile = "hparams.json"

    public static func load(_ directory: URL) throws -> GPT2Model {
        let hparamsURL = directory.appendingPathComponent(hparamsFile)
        let file = try JSONConfigFile(url: hparamsURL)
        var c = GPT2Configuration()
        c.vocabularySize = try file.integer("n_vocab", minimum: 1)
        c.maxPositions = try file.integer("n_ctx", minimum: 1)
        c.width = try file.integer("n_embd", minimum: 1)
        c.headCount = try file.integer("n_head", minimum: 1)
        c.layerCount = try file.integer("n_layer", minimum: 1)
        guard c.width % c.headCount == 0 else { throw file.error("n_head", "(\(c.headCount)) must divide n_embd (\(c.width))") }
        let checkpoint = try TensorFlowCheckpoint(prefix: try latestPrefix(directory))
        let model = try GPT2Model(c)
        var state: [String: Tensor] = [:]
        for (key, parameter) in model.namedParameters() {
            let name = tensorFlowName(key)
            guard let entry = checkpoint.entries[name] else {
                throw FileFormatError(checkpoint.prefix + ".index", "missing tensor '\(name)' (for \(key))")
            }
            let squeezed = entry.shape.first == 1 && entry.shape.count == 3 ? Array(entry.shape.dropFirst()) : entry.shape
            guard squeezed == parameter.shape else {
                throw FileFormatError(checkpoint.prefix + ".index", "tensor '\(name)' has shape \(entry.shape), hparams.json implies \(parameter.shape)")
            }
            state[key] = try checkpoint.tensor(name).reshaped(parameter.shape)
        }
        try model.loadStateDict(state)
        model.eval()
        return model
    }

    /// The checkpoint prefix the `checkpoint` file names (relative to the directory), else `model.ckpt`.
    static func latestPrefix(_ directory: URL) throws -> String {
        let pointer = directory.appendingPathComponent("checkpoint")
        if let text = try? String(contentsOf: pointer, encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model_checkpoint_path:") }),
           let first = line.firstIndex(of: "\""), let last = line.lastIndex(of: "\""), first < last {
            let named = String(line[line.index(after: first)..<last])
            return named.hasPrefix("/") ? named : directory.appendingPathComponent(named).path
        }
        let prefix = directory.appendingPathComponent("model.ckpt").path
        guard FileManager.default.fileExists(atPath: prefix + ".index") else {
            throw FileFormatError(directory.path, "holds hparams.json but no checkpoint (no 'checkpoint' file and no model.ckpt.index)")
        }
        return prefix
    }

    /// `transformer.h.3.attn.c_attn.weight` → `model/h3/attn/c_attn/w`; layer norms' weight and bias are `g` and `b`.
    static func tensorFlowName(_ key: String) -> String {
        var parts = key.split(separator: ".").map(String.init)
        if parts.first == "transformer" { parts.removeFirst() }
        if parts.count > 1, parts[0] == "h" { parts = ["h" + parts[1]] + parts.dropFirst(2) }
        let isNorm = parts.contains { $0.hasPrefix("ln_") }
        switch parts.last {
        case "weight": parts[parts.count - 1] = parts.count == 2 && (parts[0] == "wte" || parts[0] == "wpe") ? "" : isNorm ? "g" : "w"
        case "bias": parts[parts.count - 1] = "b"
        default: break
        }
        return "model/" + parts.filter { !$0.isEmpty }.joined(separator: "/")
    }
}
