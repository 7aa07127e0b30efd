import Foundation
import LemmaModels
import LemmaNN
import LemmaTensor
import Testing

/// Reading Hugging Face BERT directories: the key layouts real checkpoints use, and one-line errors naming
/// the file and the key for broken ones. Each test edits a copy of Fixtures/bert-tiny.
struct BERTLoadingTests {
    let source = Fixtures.url("bert-tiny")

    /// A fresh copy of bert-tiny whose config and weights `edit` may change (nil removes the file).
    func copy(config editConfig: (inout [String: Any]) -> Void = { _ in },
              weights editWeights: (inout [String: Tensor]) -> Void = { _ in }) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-bert-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as! [String: Any]
        editConfig(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: directory.appendingPathComponent("config.json"))
        var weights = try SafetensorsFile(url: source.appendingPathComponent("model.safetensors")).floatTensors()
        editWeights(&weights)
        try Safetensors.write(weights, to: directory.appendingPathComponent("model.safetensors"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("vocab.txt"), to: directory.appendingPathComponent("vocab.txt"))
        return directory
    }

    /// The message of the error `body` throws (an issue if it throws none).
    func message(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do {
            try body()
            Issue.record("expected an error", sourceLocation: sourceLocation)
            return ""
        } catch {
            let text = String(describing: error)
            #expect(!text.contains("\n"), "one line: \(text)", sourceLocation: sourceLocation)
            return text
        }
    }

    func sampleOutput(_ model: BertModel) -> Tensor {
        model(ids: IndexTensor([2, 13, 15, 16, 11, 17, 5, 3], shape: [1, 8])).lastHiddenState
    }

    @Test func loadsBertPrefixedKeysAndCheckpointsWithoutPooler() throws {
        let original = try BertModel(directory: source)
        let prefixed = try copy(weights: { weights in
            weights = Dictionary(uniqueKeysWithValues: weights.map { ("bert.\($0.key)", $0.value) })
            weights["classifier.weight"] = Tensor.ones([2, 32])
            weights["classifier.bias"] = Tensor([0.5, -0.5])
            weights["cls.predictions.bias"] = Tensor.zeros([80])  // a pre-training head, ignored
        })
        defer { try? FileManager.default.removeItem(at: prefixed) }
        let model = try BertModel(directory: prefixed)
        expectClose(sampleOutput(model), sampleOutput(original), rtol: 0, atol: 0, "bert.-prefixed")
        let classifier = try BertClassifier(directory: prefixed)
        #expect(classifier.classCount == 2)
        #expect(classifier.classifier.bias!.scalars == [0.5, -0.5])
        #expect(!classifier.isTraining)

        let noPooler = try copy(weights: { weights in weights = weights.filter { !$0.key.hasPrefix("pooler.") } })
        defer { try? FileManager.default.removeItem(at: noPooler) }
        let withFreshPooler = try BertModel(directory: noPooler)
        expectClose(sampleOutput(withFreshPooler), sampleOutput(original), rtol: 0, atol: 0, "no pooler")
        #expect(withFreshPooler.pooler != nil)
        #expect(try BertModel(directory: noPooler, addPoolingLayer: false).pooler == nil)
    }

    @Test func readsShardedCheckpointsThroughTheirIndex() throws {
        let original = try BertModel(directory: source)
        let directory = try copy()
        defer { try? FileManager.default.removeItem(at: directory) }
        let single = directory.appendingPathComponent("model.safetensors")
        let weights = try SafetensorsFile(url: single).floatTensors()
        try FileManager.default.removeItem(at: single)
        let shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
        var map: [String: String] = [:]
        for (index, shard) in shards.enumerated() {
            let part = weights.filter { ($0.key.hasPrefix("encoder.layer.1.") ? 1 : 0) == index }
            try Safetensors.write(part, to: directory.appendingPathComponent(shard))
            for key in part.keys { map[key] = shard }
        }
        try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": map])
            .write(to: directory.appendingPathComponent("model.safetensors.index.json"))
        expectClose(sampleOutput(try BertModel(directory: directory)), sampleOutput(original), rtol: 0, atol: 0, "sharded")
    }

    @Test func oldGammaBetaLayerNormNamesAreRenamed() throws {
        let original = try BertModel(directory: source)
        let renamed = try copy(weights: { weights in
            weights = Dictionary(uniqueKeysWithValues: weights.map { key, value in
                (key.replacingOccurrences(of: "LayerNorm.weight", with: "LayerNorm.gamma")
                    .replacingOccurrences(of: "LayerNorm.bias", with: "LayerNorm.beta"), value)
            })
        })
        defer { try? FileManager.default.removeItem(at: renamed) }
        expectClose(sampleOutput(try BertModel(directory: renamed)), sampleOutput(original), rtol: 0, atol: 0, "gamma/beta")
    }

    @Test func configErrorsNameConfigJSONAndTheKey() throws {
        let cases: [(edit: (inout [String: Any]) -> Void, expected: String)] = [
            ({ $0["hidden_size"] = nil }, "key 'hidden_size' is missing"),
            ({ $0["num_attention_heads"] = "four" }, "key 'num_attention_heads' must be an integer"),
            ({ $0["num_attention_heads"] = 5 }, "key 'num_attention_heads' (5) must divide hidden_size (32)"),
            ({ $0["hidden_act"] = "swiglu" }, "key 'hidden_act' is \"swiglu\""),
            ({ $0["layer_norm_eps"] = true }, "key 'layer_norm_eps' must be a number"),
            ({ $0["model_type"] = "roberta" }, "key 'model_type' is \"roberta\""),
            ({ $0["hidden_dropout_prob"] = 1.5 }, "key 'hidden_dropout_prob' must be in [0, 1)"),
        ]
        for (edit, expected) in cases {
            let directory = try copy(config: edit)
            defer { try? FileManager.default.removeItem(at: directory) }
            let text = message { _ = try BertModel(directory: directory) }
            #expect(text.contains("config.json: \(expected)"), "\(text)")
        }
    }

    @Test func configDefaultsFollowTransformers() throws {
        let minimal = #"{"vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 12, "hidden_act": "gelu_new", "pad_token_id": null, "id2label": {"0": "a", "1": "b", "2": "c"}}"#
        let configuration = try BertConfiguration(json: Data(minimal.utf8))
        #expect(configuration.activation == .geluTanh)
        #expect(configuration.tokenTypeCount == 2 && configuration.layerNormEps == 1e-12 && configuration.hiddenDropout == 0.1)
        #expect(configuration.padTokenID == nil && configuration.labelCount == 3 && configuration.headDimension == 4)
        let broken = message { _ = try BertConfiguration(json: Data("[1, 2]".utf8), path: "dir/config.json") }
        #expect(broken == "dir/config.json: expected a JSON object")
    }

    @Test func weightErrorsNameTheFileAndTheKey() throws {
        let missing = try copy(weights: { $0["encoder.layer.1.output.dense.weight"] = nil })
        defer { try? FileManager.default.removeItem(at: missing) }
        let missingText = message { _ = try BertModel(directory: missing) }
        #expect(missingText.contains("model.safetensors: missing key 'encoder.layer.1.output.dense.weight' (expected shape [32, 48])"), "\(missingText)")

        let misshaped = try copy(weights: { $0["embeddings.position_embeddings.weight"] = Tensor.zeros([20, 32]) })
        defer { try? FileManager.default.removeItem(at: misshaped) }
        let shapeText = message { _ = try BertModel(directory: misshaped) }
        #expect(shapeText.contains("model.safetensors: key 'embeddings.position_embeddings.weight' has shape [20, 32], the model expects [24, 32]"), "\(shapeText)")

        let extraLayer = try copy(weights: { $0["encoder.layer.2.output.dense.bias"] = Tensor.zeros([32]) })
        defer { try? FileManager.default.removeItem(at: extraLayer) }
        #expect(message { _ = try BertModel(directory: extraLayer) }.contains("unexpected key 'encoder.layer.2.output.dense.bias'"))

        let wrongHead = try copy(weights: { $0["classifier.weight"] = Tensor.zeros([2, 31]); $0["classifier.bias"] = Tensor.zeros([2]) })
        defer { try? FileManager.default.removeItem(at: wrongHead) }
        let headText = message { _ = try BertClassifier(directory: wrongHead, classCount: 2) }
        #expect(headText.contains("model.safetensors: classifier head: key 'weight' has shape [2, 31]"), "\(headText)")
    }

    @Test func directoriesWithoutSafetensorsOrConfigAreClearErrors() throws {
        let directory = try copy()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.removeItem(at: directory.appendingPathComponent("model.safetensors"))
        try Data([0x80, 0x02]).write(to: directory.appendingPathComponent("pytorch_model.bin"))
        let binText = message { _ = try BertModel(directory: directory) }
        #expect(binText.hasPrefix(directory.path) && binText.contains("has pytorch_model.bin but no model.safetensors"), "\(binText)")

        try FileManager.default.removeItem(at: directory.appendingPathComponent("config.json"))
        #expect(message { _ = try BertModel(directory: directory) }.contains("config.json: not found"))
        #expect(message { _ = try BertModel(directory: directory.appendingPathComponent("nope")) }.contains("is not a directory"))
    }

    @Test func sentenceTransformersFilesChoosePoolingNormalizationAndLength() throws {
        let directory = try copy()
        defer { try? FileManager.default.removeItem(at: directory) }
        func write(_ text: String, _ path: String) throws {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        try write(#"[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}, {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}, {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]"#, "modules.json")
        try write(#"{"word_embedding_dimension": 32, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"#, "1_Pooling/config.json")
        try write(#"{"max_seq_length": 10, "do_lower_case": false}"#, "sentence_bert_config.json")
        let encoder = try BertEncoder(directory: directory)
        #expect(encoder.settings == SentenceEmbeddingSettings(pooling: .cls, normalize: true, maxLength: 10))
        #expect(encoder.maxLength == 10)
        #expect(encoder.tokenize("the cat sat on the mat and the dog sat on the mat").count == 10)
        // CLS pooling, normalized: the first token's state over its norm.
        let hidden = encoder.model(ids: IndexTensor(encoder.tokenize("the cat"), shape: [1, 4])).lastHiddenState
        let first = hidden.slice(axis: 1, 0..<1).reshaped([1, 32])
        expectClose(encoder.embed(["the cat"]), first.l2Normalized(), rtol: 0, atol: 1e-6, "cls pooling")

        try write(#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}"#, "1_Pooling/config.json")
        #expect(message { _ = try BertEncoder(directory: directory) }.contains("1_Pooling/config.json: combines pooling_mode_mean_tokens and pooling_mode_cls_token"))
        try write(#"[{"path": "2_Dense", "type": "sentence_transformers.models.Dense"}]"#, "modules.json")
        #expect(message { _ = try BertEncoder(directory: directory) }.contains("modules.json: module type \"sentence_transformers.models.Dense\" is not supported"))
    }
}
