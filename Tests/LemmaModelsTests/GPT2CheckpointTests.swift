import Foundation
import LemmaModels
import LemmaTensor
import Testing

/// What a GPT-2 directory may look like and how a bad one is refused: keys without `transformer.` (the Hub's
/// original files) and old causal-mask buffers load; a config.json that disagrees with the weights, a missing
/// key and a key of an integer dtype are one-line errors naming the file and the key.
struct GPT2CheckpointTests {
    /// A copy of the fixture directory whose weights are `tensors` (float32) plus `raw` entries written as given.
    static func directory(_ tensors: [String: Tensor], raw: [(name: String, dtype: String, shape: [Int], bytes: [UInt8])] = [],
                          config: String? = nil) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-gpt2-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let source = Fixtures.url("gpt2-tiny")
        let configText = try config ?? String(contentsOf: source.appendingPathComponent("config.json"), encoding: .utf8)
        try configText.write(to: url.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        var entries: [(String, String, [Int], [UInt8])] = tensors.keys.sorted().map { name in
            let tensor = tensors[name]!
            return (name, "F32", tensor.shape, tensor.scalars.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
        }
        entries += raw.map { ($0.name, $0.dtype, $0.shape, $0.bytes) }
        var header: [String] = [], data: [UInt8] = [], offset = 0
        for (name, dtype, shape, bytes) in entries {
            header.append("\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes.count)]}")
            data += bytes
            offset += bytes.count
        }
        let headerBytes = Array(("{" + header.joined(separator: ",") + "}").utf8)
        var file = withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian, Array.init) + headerBytes
        file += data
        try Data(file).write(to: url.appendingPathComponent("model.safetensors"))
        return url
    }

    static func fixtureTensors() throws -> [String: Tensor] {
        try SafetensorsFile(url: Fixtures.url("gpt2-tiny/model.safetensors")).floatTensors()
    }

    static func expectError(_ directory: URL, containing parts: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            _ = try GPT2Checkpoint.load(directory)
            Issue.record("loaded without an error", sourceLocation: sourceLocation)
        } catch {
            let message = "\(error)"
            #expect(!message.contains("\n"), "the error is not one line: \(message)", sourceLocation: sourceLocation)
            for part in parts { #expect(message.contains(part), "'\(part)' missing from: \(message)", sourceLocation: sourceLocation) }
        }
    }

    @Test func keysWithoutThePrefixAndOldMaskBuffersLoad() throws {
        var tensors: [String: Tensor] = [:]
        for (name, tensor) in try Self.fixtureTensors() { tensors[String(name.dropFirst("transformer.".count))] = tensor }
        tensors["h.0.attn.bias"] = Tensor.ones([1, 1, 24, 24])
        tensors["h.0.attn.masked_bias"] = Tensor(scalar: -1e4).reshaped([1])
        let url = try Self.directory(tensors)
        defer { try? FileManager.default.removeItem(at: url) }
        let model = try GPT2Checkpoint.load(url)
        let reference = try GPT2Checkpoint.load(Fixtures.url("gpt2-tiny"))
        #expect(model.stateDict()["transformer.wte.weight"]!.scalars == reference.stateDict()["transformer.wte.weight"]!.scalars)
    }

    @Test func aConfigThatDisagreesWithTheWeightsNamesTheKeyAndBothShapes() throws {
        let config = try String(contentsOf: Fixtures.url("gpt2-tiny/config.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"n_embd\": 45", with: "\"n_embd\": 48")
        let url = try Self.directory(try Self.fixtureTensors(), config: config)
        Self.expectError(url, containing: ["model.safetensors", "transformer.", "[135]", "[144]", "config.json implies"])
    }

    @Test func aMissingKeyIsNamed() throws {
        var tensors = try Self.fixtureTensors()
        tensors["transformer.h.1.mlp.c_fc.bias"] = nil
        Self.expectError(try Self.directory(tensors), containing: ["model.safetensors", "missing key 'transformer.h.1.mlp.c_fc.bias'"])
    }

    @Test func anIntegerWeightIsNamedWithItsDtype() throws {
        var tensors = try Self.fixtureTensors()
        let shape = tensors["transformer.ln_f.bias"]!.shape
        tensors["transformer.ln_f.bias"] = nil
        let url = try Self.directory(tensors, raw: [("transformer.ln_f.bias", "I64", shape, [UInt8](repeating: 0, count: 8 * shape[0]))])
        Self.expectError(url, containing: ["model.safetensors", "transformer.ln_f.bias", "I64"])
    }

    @Test func aModelTypeOtherThanGPT2IsRefused() throws {
        let config = try String(contentsOf: Fixtures.url("gpt2-tiny/config.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"model_type\": \"gpt2\"", with: "\"model_type\": \"llama\"")
        Self.expectError(try Self.directory(try Self.fixtureTensors(), config: config), containing: ["config.json", "model_type", "llama"])
    }

    /// scripts/make_gpt2_tf_fixtures.py: the same weights saved by TensorFlow's Saver under OpenAI's names,
    /// with an Adam slot and global_step as a fine-tuning checkpoint has them.
    @Test func aTensorFlowCheckpointLoadsTheSameWeights() throws {
        let fromTensorFlow = try GPT2Checkpoint.load(Fixtures.url("gpt2-tiny-tf"))
        let fromTransformers = try GPT2Checkpoint.load(Fixtures.url("gpt2-tiny"))
        #expect(fromTensorFlow.configuration.width == 45 && fromTensorFlow.configuration.layerCount == 3)
        for ((key, a), (_, b)) in zip(fromTensorFlow.namedParameters(), fromTransformers.namedParameters()) {
            #expect(a.shape == b.shape && a.scalars == b.scalars, "\(key) differs between the TensorFlow and transformers checkpoints")
        }
        let checkpoint = try TensorFlowCheckpoint(prefix: Fixtures.url("gpt2-tiny-tf").appendingPathComponent("model.ckpt").path)
        #expect(checkpoint.entries["model/h0/attn/c_attn/w"]?.shape == [1, 45, 135])
        #expect(checkpoint.names.contains("global_step") && checkpoint.names.contains("model/h0/attn/c_attn/w/Adam"))
    }

    @Test func aDamagedTensorFlowIndexIsAnErrorNamingIt() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-gpt2-tf-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        let source = Fixtures.url("gpt2-tiny-tf")
        for name in ["hparams.json", "checkpoint", "model.ckpt.data-00000-of-00001"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: url.appendingPathComponent(name))
        }
        var index = [UInt8](try Data(contentsOf: source.appendingPathComponent("model.ckpt.index")))
        index[index.count - 1] ^= 0xFF  // the table magic
        try Data(index).write(to: url.appendingPathComponent("model.ckpt.index"))
        do {
            _ = try GPT2Checkpoint.load(url)
            Issue.record("a damaged index loaded")
        } catch {
            #expect("\(error)".contains("model.ckpt.index") && "\(error)".contains("magic"), "\(error)")
        }
    }
}
