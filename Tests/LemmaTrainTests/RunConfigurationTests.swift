import Foundation
import LemmaTrain
import Testing

struct RunConfigurationTests {
    func write(_ text: String, _ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-config-\(UUID())-\(name)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func yamlAndJSONGiveTheSameConfiguration() throws {
        let yaml = try write("""
            task: classification
            data:
              train: corpus.csv
              label_map: ams8
            model:
              arch: bilstm
              dropout: 0.25
            train:
              learning_rate: 0.0005
              epochs: 2
              load_best_model_at_end: true
            """, "c.yaml")
        let json = try write("""
            {"task": "classification", "data": {"train": "corpus.csv", "label_map": "ams8"},
             "model": {"arch": "bilstm", "dropout": 0.25},
             "train": {"learning_rate": 0.0005, "epochs": 2, "load_best_model_at_end": true}}
            """, "c.json")
        let a = try RunConfiguration(contentsOf: yaml), b = try RunConfiguration(contentsOf: json)
        #expect(a == b)
        #expect(a.string("model.arch") == "bilstm")
        #expect(a.double("train.epochs") == 2)
        #expect(a.int("train.batch_size") == 32)  // default
        #expect(a.string("data.valid") == nil)
    }

    @Test func unknownKeysAndWrongTypesNameTheKey() throws {
        func message(_ text: String) throws -> String {
            let url = try write(text, "bad.yaml")
            do {
                _ = try RunConfiguration(contentsOf: url)
                return "accepted"
            } catch let error as ConfigError {
                return error.message
            }
        }
        #expect(try message("train:\n  learnin_rate: 0.1\n").contains("unknown key 'train.learnin_rate'"))
        #expect(try message("train:\n  batch_size: many\n").contains("'train.batch_size' must be an integer, got 'many'"))
        #expect(try message("model:\n  arch: resnet\n").contains("'model.arch' must be one of mlp, cnn"))
        #expect(try message("modle:\n  arch: cnn\n").contains("unknown section 'modle'"))
        #expect(try message("train: [1, 2\n").contains("not valid YAML or JSON"))
    }

    @Test func overridesAreParsedByTheKeysType() throws {
        var config = try RunConfiguration()
        try config.apply(overrides: ["train.max_steps=500", "train.deterministic=true", "tokenizer.kind=gpt2", "train.learning_rate=3e-4"])
        #expect(config.int("train.max_steps") == 500)
        #expect(config.bool("train.deterministic") == true)
        #expect(config.string("tokenizer.kind") == "gpt2")
        #expect(config.double("train.learning_rate") == 3e-4)
        #expect(throws: ConfigError.self) { try config.apply(overrides: ["train.max_steps=lots"]) }
        #expect(throws: ConfigError.self) { try config.apply(overrides: ["nope=1"]) }
        // The resolved YAML reads back to the same configuration.
        let url = try write(config.yaml(), "resolved.yaml")
        #expect(try RunConfiguration(contentsOf: url) == config)
    }

    @Test func configDocumentationListsEveryKey() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/CONFIG.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        for key in ConfigSchema.keys { #expect(text.contains("`\(key.path)`"), "docs/CONFIG.md lacks \(key.path)") }
    }
}
