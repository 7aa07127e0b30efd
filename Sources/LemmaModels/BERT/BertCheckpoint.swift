import Foundation
import LemmaTensor
import LemmaText

/// The weights and config of a Hugging Face BERT directory (config.json + model.safetensors, or shards
/// listed in model.safetensors.index.json), with keys mapped to BertModel's: a `bert.` prefix (task and
/// pre-training checkpoints) is dropped, and the `gamma`/`beta` of old TensorFlow conversions become
/// `weight`/`bias`.
struct BertCheckpoint {
    let configuration: BertConfiguration
    /// The file named in weight errors (the index file for sharded checkpoints).
    let weightsPath: String
    /// Tensors under BertModel's keys (`embeddings.…`, `encoder.…`, `pooler.…`).
    let encoder: [String: Tensor]
    /// Everything else by its own key: a task head's `classifier.*`, pre-training heads' `cls.*`.
    let heads: [String: Tensor]

    init(directory: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileFormatError(directory.path, "is not a directory; expected a Hugging Face model directory (config.json, model.safetensors)")
        }
        let configURL = directory.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw FileFormatError(configURL.path, "not found; a Hugging Face model directory has config.json beside model.safetensors")
        }
        configuration = try BertConfiguration(contentsOf: configURL)
        let (path, tensors) = try Self.readWeights(directory)
        weightsPath = path
        var encoder: [String: Tensor] = [:], heads: [String: Tensor] = [:]
        for (name, tensor) in tensors {
            var key = name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name
            if key.hasSuffix(".gamma") { key = String(key.dropLast(6)) + ".weight" }
            if key.hasSuffix(".beta") { key = String(key.dropLast(5)) + ".bias" }
            if ["embeddings.", "encoder.", "pooler."].contains(where: key.hasPrefix) {
                encoder[key] = tensor
            } else {
                heads[name] = tensor
            }
        }
        self.encoder = encoder
        self.heads = heads
    }

    /// Every floating-point tensor of model.safetensors, or of the shards its index names.
    private static func readWeights(_ directory: URL) throws -> (path: String, tensors: [String: Tensor]) {
        let single = directory.appendingPathComponent("model.safetensors")
        if FileManager.default.fileExists(atPath: single.path) {
            return (single.path, try SafetensorsFile(url: single).floatTensors())
        }
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: index.path) {
            let file = try JSONConfigFile(url: index)
            guard let map = file.value("weight_map")?.members, map.allSatisfy({ $0.value.string != nil }) else {
                throw file.error("weight_map", "must be an object mapping tensor names to shard files")
            }
            var tensors: [String: Tensor] = [:]
            for shard in Set(map.compactMap(\.value.string)).sorted() {
                let url = directory.appendingPathComponent(shard)
                tensors.merge(try SafetensorsFile(url: url).floatTensors()) { first, _ in first }
            }
            return (index.path, tensors)
        }
        let others = ["pytorch_model.bin", "tf_model.h5", "flax_model.msgpack", "model.ckpt.index"]
            .filter { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
        if let other = others.first {
            throw FileFormatError(directory.path, "has \(other) but no model.safetensors; Lemma reads safetensors weights only (convert in Python: AutoModel.from_pretrained(dir).save_pretrained(dir, safe_serialization=True))")
        }
        throw FileFormatError(directory.path, "has no model.safetensors")
    }
}
