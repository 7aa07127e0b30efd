import Foundation
import LemmaData
import LemmaTensor
import Testing

/// Rendering with Debian's TeX Live and dvipng (scripts/setup.sh installs both; without them this fails,
/// saying so): good formulas become images, a broken one is reported with LaTeX's message and leaves the
/// rest of its batch rendered.
struct FormulaRendererTests {
    @Test func aBrokenFormulaIsReportedAndTheRestOfItsBatchStillRenders() throws {
        let renderer = try FormulaRenderer(dpi: 100, batchSize: 8)
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let formulas = ["x ^ { 2 }", "\\frac { a } { b }", "\\undefinedmacro { x }", "\\sum _ { i = 1 } ^ { n } i", "\\frac { x", "y _ 1"]
        let outputs = formulas.indices.map { directory.appendingPathComponent("\($0).png") }
        let outcomes = try renderer.render(formulas, to: outputs, workDirectory: directory)
        #expect(outcomes[0] == .rendered && outcomes[1] == .rendered && outcomes[3] == .rendered && outcomes[5] == .rendered)
        guard case .failed(let message) = outcomes[2] else { Issue.record("an undefined macro rendered"); return }
        #expect(message.contains("Undefined control sequence"), "\(message)")
        guard case .failed = outcomes[4] else { Issue.record("an unbalanced brace rendered"); return }
        #expect(!FileManager.default.fileExists(atPath: outputs[2].path))
        let preprocessing = FormulaImagePreprocessing()
        var widths: [Int] = []
        for i in [0, 1, 3, 5] {
            let image = try PNGCodec.read(outputs[i])
            let box = try #require(preprocessing.inkBounds(image), "formula \(i) has ink")
            widths.append(box.x.count)
        }
        #expect(widths[2] > widths[0], "the sum is wider than x²: \(widths)")
    }

    @Test func theDocumentPutsEachFormulaOnOneLineOfItsOwnPage() {
        let (text, firstLines) = FormulaRenderer.document(["a\nb", "c"])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[firstLines[0] - 1] == "\\begin{displaymath}" && lines[firstLines[0]] == "a b")
        #expect(lines[firstLines[1]] == "c" && firstLines[1] == firstLines[0] + 4)
    }
}

struct DimensionJoiningTests {
    @Test func spacesInsideDimensionsAreRemovedForRenderingOnly() {
        #expect(FormulaRenderer.joiningDimensions(#"a \hspace { . 5 i n } b \hspace* { 1 c m } c"#) == #"a \hspace {.5in} b \hspace* {1cm} c"#)
        #expect(FormulaRenderer.joiningDimensions(#"x \\ [ 2 m m ] y \kern { 1 p t }"#) == #"x \\ [2mm] y \kern {1pt}"#)
        #expect(FormulaRenderer.joiningDimensions(#"\frac { a } { b }"#) == #"\frac { a } { b }"#)
    }
}
