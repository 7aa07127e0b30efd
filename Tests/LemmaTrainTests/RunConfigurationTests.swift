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

    @Test func anUnquotedYAMLBooleanIsAChoiceThatListsIt() throws {
        func earlyStopping(_ value: String) throws -> String? {
            let url = try write("task: seq2seq\ndecoding:\n  early_stopping: \(value)\n", "choice.yaml")
            return try RunConfiguration(contentsOf: url).string("decoding.early_stopping")
        }
        #expect(try earlyStopping("true") == "true")
        #expect(try earlyStopping("false") == "false")
        #expect(try earlyStopping("\"never\"") == "never")
        #expect(throws: ConfigError.self) { try earlyStopping("5") }  // an Int the choice does not list
        #expect(throws: ConfigError.self) { try earlyStopping("sometimes") }
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
        #expect(try message("modle:\n  arch: cnn\n").contains("unknown section 'modle'; did you mean 'model'?"))
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

    /// A run records where it was trained; opened elsewhere, a relative path that names nothing from the current
    /// directory is read from there, and one that names something here stays as given.
    @Test func relativePathsAreFoundFromTheRecordedWorkingDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-paths-\(UUID())")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("corpus"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "a\n".write(to: directory.appendingPathComponent("corpus/train.csv"), atomically: true, encoding: .utf8)
        try "a\n".write(to: directory.appendingPathComponent("valid.csv"), atomically: true, encoding: .utf8)
        // valid.csv as a path relative to the tests' own directory, which names it from here.
        let here = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let validFromHere = String(repeating: "../", count: here) + directory.appendingPathComponent("valid.csv").path.dropFirst()
        let values: [String: ConfigValue] = ["data.train": .string("corpus/./train.csv"), "data.valid": .string(validFromHere),
                                             "data.test": .string("missing.csv"), "data.label_map": .string("ams8"),
                                             "data.text_column": .string("corpus")]
        let plain = try RunConfiguration(values: values)
        #expect(plain.resolvingPaths() == plain)
        #expect(plain.recordingWorkingDirectory().string("working_directory") == FileManager.default.currentDirectoryPath)
        let recorded = try RunConfiguration(values: values.merging(["working_directory": .string(directory.path)]) { $1 })
        #expect(recorded.recordingWorkingDirectory() == recorded)
        let opened = recorded.resolvingPaths()
        #expect(opened.string("data.train") == directory.standardizedFileURL.path + "/corpus/train.csv")
        #expect(opened.string("data.valid") == validFromHere)
        #expect(opened.string("data.test") == "missing.csv")
        #expect(opened.string("data.label_map") == "ams8")
        #expect(opened.string("data.text_column") == "corpus")
        // What the run directory holds reads back to the same configuration.
        let url = try write(recorded.yaml(), "recorded.yaml")
        #expect(try RunConfiguration(contentsOf: url) == recorded)
    }

    @Test func configDocumentationListsEveryKey() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/CONFIG.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        // The table is the schema's own (regenerate with `lemma info --config-keys`).
        #expect(text.contains(ConfigSchema.markdownTable()), "docs/CONFIG.md's key table is not `lemma info --config-keys`")
    }

    @Test func keysBelongToTasksAndTypoesGetASuggestion() throws {
        func message(_ values: [String: ConfigValue], overrides: [String] = []) -> String {
            do {
                var config = try RunConfiguration(values: values)
                try config.apply(overrides: overrides)
                return "accepted"
            } catch let error as ConfigError {
                return error.message
            } catch {
                return "\(error)"
            }
        }
        #expect(message(["task": .string("seq2seq"), "data.label_map": .string("ams8")])
            == "'data.label_map' does not apply to task seq2seq (it is read by classification)")
        #expect(message(["data.source_column": .string("x")]).contains("does not apply to task classification (it is read by seq2seq)"))
        // Changing the task by an override re-checks what was given.
        #expect(message(["data.label_map": .string("ams8")], overrides: ["task=seq2seq"]).contains("'data.label_map' does not apply"))
        #expect(message(["train.learnin_rate": .double(1)]) == "unknown key 'train.learnin_rate'; did you mean 'train.learning_rate'?")
        #expect(message(["task": .string("seq2seq")], overrides: ["decoding.beem=2"]).contains("did you mean 'decoding.beams'?"))
        // The suggestion comes from the run's own task: im2latex's `decoding.max_length` rather than seq2seq's
        // nearer `decoding.max_length_a`; a key only another task reads is named as that task's.
        #expect(message(["task": .string("im2latex"), "decoding.max_length_c": .int(1)])
            == "unknown key 'decoding.max_length_c'; did you mean 'decoding.max_length'?")
        #expect(message(["task": .string("seq2seq")], overrides: ["decoding.max_length_c=1"])
            == "--set: unknown key 'decoding.max_length_c'; did you mean 'decoding.max_length_a'?")
        #expect(message(["data.source_colum": .string("x")])
            == "unknown key 'data.source_colum'; the nearest key, 'data.source_column', is read by seq2seq (this run's task is classification)")
        // An override that sets the task sets where suggestions come from, wherever it stands in the list.
        #expect(message([:], overrides: ["decoding.beem=2", "task=seq2seq"]).contains("did you mean 'decoding.beams'?"))
        #expect(message(["zzz": .int(1)]) == "unknown key 'zzz'")

        // Each task gets its own defaults and only its own keys; the resolved YAML reads back the same.
        let seq2seq = try RunConfiguration(values: ["task": .string("seq2seq")])
        #expect(seq2seq.int("model.embedding_dim") == 300 && seq2seq.int("model.num_layers") == 2 && seq2seq.string("model.arch") == "gru")
        #expect(seq2seq["data.label_map"] == nil && seq2seq.string("data.text_column") == nil)
        #expect(seq2seq.int("decoding.beams") == 1)
        let classification = try RunConfiguration()
        #expect(classification.int("model.embedding_dim") == 64 && classification["decoding.beams"] == nil)
        let url = try write(seq2seq.yaml(), "seq2seq.yaml")
        #expect(try RunConfiguration(contentsOf: url) == seq2seq)
        #expect(!seq2seq.yaml().contains("label_column"))
    }
}
