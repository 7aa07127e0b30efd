import ArgumentParser
import Foundation
import Lemma

/// `lemma export`: a language-model run's trained GPT-2 as a Hugging Face directory (config.json +
/// model.safetensors, and the tokenizer's vocab.json, merges.txt and tokenizer_config.json), which
/// `GPT2LMHeadModel.from_pretrained` and `AutoTokenizer.from_pretrained` load.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a language-model run's GPT-2 and its tokenizer as a Hugging Face directory.")

    @Option(name: .customLong("run"), help: "Language-model run directory.") var runDirectory: String
    @Option(help: "Directory to write (created if needed; the files it writes are replaced).") var output: String

    func run() throws {
        let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        guard let run = try TaskRegistry.open(RunDirectory(URL(fileURLWithPath: runDirectory)), log: log) as? LanguageModelRun else {
            throw ValidationError("\(runDirectory) is not a language_model run; lemma export writes GPT-2 models")
        }
        try run.loadTrainedModel()
        let directory = URL(fileURLWithPath: output)
        try GPT2Checkpoint.save(run.model, to: directory)
        try GPT2TokenizerFiles.save(run.data.tokenizer, maxLength: run.model.configuration.maxPositions, to: directory)
        log("wrote \(output): config.json, model.safetensors (\(run.model.parameterCount()) parameters), vocab.json, merges.txt, tokenizer_config.json")
    }
}
