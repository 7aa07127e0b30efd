import ArgumentParser
import Foundation
import Lemma

@main
struct LemmaCommand: ParsableCommand {
    static func main() {
        applyThreadingDefaults()
        do {
            var command = try parseAsRoot()
            try command.run()
            flushStandardOutput()
        } catch {
            // A bad option is one line naming it; ArgumentParser would add the whole usage block after it.
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data("Error: \(message(for: error)) (see --help)\n".utf8))
                Foundation.exit(ExitCode.validationFailure.rawValue)
            }
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "lemma",
        abstract: "Train, evaluate and serve neural models of text and mathematical documents.",
        version: "0.1.0",
        subcommands: [DemoCommand.self, InfoCommand.self, TokenizeCommand.self, DetokenizeCommand.self, PrepareCommand.self, TrainCommand.self, EvalCommand.self, PredictCommand.self,
                      LearningRateFindCommand.self, PlotCommand.self, EmbedCommand.self, GenerateCommand.self, ExportCommand.self, ServeCommand.self]
    )
}
