import ArgumentParser
import Foundation
import Lemma

/// `lemma plot`: remakes a run's plots and report from its files (also while it trains).
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Write a run's SVG plots, report.md and report.html from its metrics.")

    @Argument(help: "Run directory.") var runDirectory: String

    func run() throws {
        let directory = RunDirectory(URL(fileURLWithPath: runDirectory))
        let report = try RunReportBuilder.write(directory)
        for figure in report.figures { print(directory.plots.appendingPathComponent(figure.fileName).path) }
        print(directory.url.appendingPathComponent("report.md").path)
        print(directory.url.appendingPathComponent("report.html").path)
    }
}
