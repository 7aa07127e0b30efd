import ArgumentParser
import Foundation
import Lemma

/// `lemma export`: a language-model run's trained GPT-2 as a Hugging Face directory (config.json +
/// model.safetensors), which `GPT2LMHeadModel.from_pretrained` loads.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a language-model run's GPT-2 as a Hugging Face directory (config.json, model.safetensors).")

    @Option(name: .customLong("run"), help: "Language-model run directory.") var runDirectory: String
    @Option(help: "Directory to write (created if needed; its config.json and model.safetensors are replaced).") var output: String

    func run() throws {
        let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        guard let run = try TaskRegistry.open(RunDirectory(URL(fileURLWithPath: runDirectory)), log: log) as? LanguageModelRun else {
            throw ValidationError("\(runDirectory) is not a language_model run; lemma export writes GPT-2 models")
        }
        try run.loadTrainedModel()
        try GPT2Checkpoint.save(run.model, to: URL(fileURLWithPath: output))
        log("wrote \(output)/config.json and model.safetensors (\(run.model.parameterCount()) parameters)")
    }
}
