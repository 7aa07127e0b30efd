import ArgumentParser

@main
struct LemmaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lemma",
        abstract: "Train, evaluate and serve neural models of text and mathematical documents.",
        version: "0.1.0",
        subcommands: [DemoCommand.self, InfoCommand.self]
    )
}
