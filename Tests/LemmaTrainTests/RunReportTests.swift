import Foundation
import FoundationXML
import LemmaTrain
import Testing

/// RunReport as Markdown and as HTML (parsed back as XML): order, structure, escaping, files on disk.
struct RunReportTests {
    static let figureSVG = LinePlot(title: "Loss", xLabel: "step", yLabel: "loss",
                                    series: [.init(name: "train", y: [2, 1.5, 1.2])]).svg()

    static func example() -> RunReport {
        var report = RunReport(title: "Run <ams8> & friends")
        report.addParagraph("Summary", "Trained *3* epochs.\nBest accuracy at epoch 2.")
        report.addTable("Settings", ["learning rate": "0.001", "model": "lstm|bi", "note": "<b>bold</b>"])
        report.addPreformatted("Classification report", "  precision ```recall\n<tag> & more\n")
        report.addFigure(svg: figureSVG, caption: "Training loss [smoothed]", fileName: "loss")
        return report
    }

    @Test func markdownKeepsOrderAndLinksFigures() {
        let markdown = Self.example().markdown()
        let lines = markdown.components(separatedBy: "\n")
        #expect(lines[0] == "# Run &lt;ams8&gt; &amp; friends")
        let headings = lines.filter { $0.hasPrefix("## ") }
        #expect(headings == ["## Summary", "## Settings", "## Classification report"])
        #expect(markdown.contains("Trained \\*3\\* epochs.  \nBest accuracy at epoch 2."))
        #expect(lines.contains("| learning rate | 0.001 |"))
        #expect(lines.contains("| model | lstm\\|bi |"))
        #expect(lines.contains("| note | &lt;b&gt;bold&lt;/b&gt; |"))
        // The text holds a run of three backticks, so the fence is four long; the text inside is verbatim.
        #expect(markdown.contains("````\n  precision ```recall\n<tag> & more\n````"))
        #expect(lines.contains("![Training loss \\[smoothed\\]](plots/loss.svg)"))
        #expect(!markdown.contains("<svg"))
        let order = ["## Summary", "## Settings", "## Classification report", "![Training loss"].map {
            markdown.range(of: $0)!.lowerBound
        }
        #expect(order == order.sorted())
    }

    @Test func htmlIsOneWellFormedPageWithInlineSVG() throws {
        let html = Self.example().html()
        #expect(html.hasPrefix("<!DOCTYPE html>\n"))
        let page = try ParsedMarkup(String(html.dropFirst("<!DOCTYPE html>\n".count)))
        #expect(page.root.localName == "html")
        #expect(page.elements("title").map(\.text) == ["Run <ams8> & friends"])
        #expect(page.elements("h1").map(\.text) == ["Run <ams8> & friends"])
        #expect(page.elements("h2").map(\.text) == ["Summary", "Settings", "Classification report"])
        #expect(page.elements("style").count == 1)
        let cells = page.elements("tr").map { row in row.children!.compactMap { ($0 as? XMLElement)?.text } }
        #expect(cells == [["learning rate", "0.001"], ["model", "lstm|bi"], ["note", "<b>bold</b>"]])
        #expect(page.elements("b").isEmpty)  // the <b> in a value is text, not markup
        #expect(page.elements("pre").first?.stringValue == "  precision ```recall\n<tag> & more\n")
        #expect(page.elements("p").first?.text == "Trained *3* epochs.Best accuracy at epoch 2.")
        #expect(page.elements("br").count == 1)
        let figure = try #require(page.elements("figure").first)
        #expect(page.elements("svg", in: figure).count == 1)
        #expect(page.elements("polyline", in: figure).count == 1)
        #expect(page.elements("figcaption").map(\.text) == ["Training loss [smoothed]"])
        #expect(!html.contains("<script"))
        #expect(!html.contains("src=") && !html.contains("href="))  // self-contained
    }

    @Test func xmlDeclarationOfAnSVGIsDroppedInline() throws {
        var report = RunReport(title: "t")
        report.addFigure(svg: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + Self.figureSVG, caption: "c", fileName: "f.svg")
        let html = report.html()
        #expect(!html.contains("<?xml"))
        #expect(report.markdown().contains("](plots/f.svg)"))
        #expect(try ParsedMarkup(String(html.dropFirst("<!DOCTYPE html>\n".count))).elements("svg").count == 1)
    }

    @Test func writesReportFilesAndPlots() throws {
        let directory = try makeReportTestDirectory().appendingPathComponent("report")
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let report = Self.example()
        try report.write(to: directory)
        #expect(try String(contentsOf: directory.appendingPathComponent("report.md"), encoding: .utf8) == report.markdown())
        #expect(try String(contentsOf: directory.appendingPathComponent("report.html"), encoding: .utf8) == report.html())
        #expect(try String(contentsOf: directory.appendingPathComponent("plots/loss.svg"), encoding: .utf8) == Self.figureSVG)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)  // no temporary files left behind
    }

    @Test func duplicateFigureNamesAreRefused() throws {
        let directory = try makeReportTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var report = RunReport(title: "t")
        report.addFigure(svg: Self.figureSVG, caption: "one", fileName: "loss")
        report.addFigure(svg: Self.figureSVG, caption: "two", fileName: "loss.svg")
        #expect { try report.write(to: directory) } throws: { "\($0)".contains("two figures of the report have this file name") }
    }
}
