import Foundation
import LemmaData
import LemmaTensor
import Testing

/// im2markup's formula and split lists, and JSON Lines splits: both layouts, and one-line errors naming the
/// file and line for everything else.
struct FormulaSplitListTests {
    let directory: URL
    let formulas = ["x ^ { 2 }", "\\frac { a } { b }", "y _ 1\r"]

    init() throws {
        directory = try DataFixtures.scratchDirectory()
        try (formulas.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("formulas.lst"), atomically: true, encoding: .utf8)
    }

    func write(_ name: String, _ text: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        return "no error"
    }

    @Test func formulasSplitOnNewlinesOnlyAndBothSplitLayoutsRead() throws {
        let read = try FormulaSplitList.readFormulas(directory.appendingPathComponent("formulas.lst"))
        #expect(read == formulas, "a carriage return stays inside its formula, as im2markup reads the list")
        let processed = try FormulaSplitList.read(try write("train.lst", "a.png 1\n\nb.png 0\n"), formulas: read)
        #expect(processed == [FormulaExample(imageName: "a.png", formula: formulas[1], line: 1),
                              FormulaExample(imageName: "b.png", formula: formulas[0], line: 3)])
        let raw = try FormulaSplitList.read(try write("raw.lst", "2 66667cee5b basic\n0 7afe4f1b2c basic\n"), formulas: read)
        #expect(raw.map(\.imageName) == ["66667cee5b.png", "7afe4f1b2c.png"] && raw[0].formula == formulas[2])
    }

    @Test func badLinesNameTheFileAndLine() throws {
        let outOfRange = message { _ = try FormulaSplitList.read(try write("a.lst", "a.png 0\nb.png 3\n"), formulas: formulas) }
        #expect(outOfRange.contains("a.lst") && outOfRange.contains("line 2") && outOfRange.contains("out of range"), "\(outOfRange)")
        let garbled = message { _ = try FormulaSplitList.read(try write("b.lst", "just-a-name\n"), formulas: formulas) }
        #expect(garbled.contains("b.lst") && garbled.contains("line 1") && garbled.contains("image_name formula_index"), "\(garbled)")
        let escaping = message { _ = try FormulaSplitList.read(try write("c.lst", "../../etc/x.png 0\n"), formulas: formulas) }
        #expect(escaping.contains("line 1") && escaping.contains("inside data.images"), "\(escaping)")
        let noFormulas = message { _ = try FormulaSplitList.read(try write("d.lst", "a.png 0\n"), formulas: nil) }
        #expect(noFormulas.contains("data.formulas"), "\(noFormulas)")
        let empty = message { _ = try FormulaSplitList.read(try write("e.lst", "\n\n"), formulas: formulas) }
        #expect(empty.contains("no examples"))
    }

    @Test func jsonLinesGiveTheLaTeXAndOptionallyTheImage() throws {
        let url = try write("valid.jsonl", "{\"latex\": \"a + b\", \"image\": \"sum.png\"}\n{\"latex\": \"c\"}\n")
        let examples = try FormulaSplitList.read(url, formulas: nil)
        #expect(examples == [FormulaExample(imageName: "sum.png", formula: "a + b", line: 1),
                             FormulaExample(imageName: FormulaSplitList.imageName(rendering: "c"), formula: "c", line: 2)])
        let missing = message { _ = try FormulaSplitList.read(try write("bad.jsonl", "{\"latex\": \"a\"}\n{\"text\": \"b\"}\n"), formulas: nil) }
        #expect(missing.contains("bad.jsonl") && missing.contains("line 2") && missing.contains("latex"), "\(missing)")
        let jsonl = Array("{\"latex\": \"a + b\", \"image\": \"sum.png\"}\n{\"latex\": \"\\\\frac { c } { d }\"}\n".utf8)
        let rejected = try fuzz(jsonl, name: "split.jsonl", iterations: 800, seed: 24) { path in
            _ = try FormulaSplitList.read(URL(fileURLWithPath: path), formulas: nil)
        }
        #expect(rejected > 100)
    }

    @Test func csvSplitsHoldQuotedLaTeXWithCommasAndNewlines() throws {
        let url = try write("test.csv", "image,latex\nsum.png,\"a , b\"\n,\"\\begin{matrix} x \\\\\n y \\end{matrix}\"\nq.png,\"\"\"q\"\"\"\n")
        let examples = try FormulaSplitList.read(url, formulas: nil)
        #expect(examples == [FormulaExample(imageName: "sum.png", formula: "a , b", line: 2),
                             FormulaExample(imageName: FormulaSplitList.imageName(rendering: "\\begin{matrix} x \\\\\n y \\end{matrix}"),
                                            formula: "\\begin{matrix} x \\\\\n y \\end{matrix}", line: 3),
                             FormulaExample(imageName: "q.png", formula: "\"q\"", line: 5)])
        let onlyLaTeX = try FormulaSplitList.read(try write("l.csv", "latex\nx ^ 2\n"), formulas: nil)
        #expect(onlyLaTeX == [FormulaExample(imageName: FormulaSplitList.imageName(rendering: "x ^ 2"), formula: "x ^ 2", line: 2)])
        // Unnamed formulas are named by their text: the same formula anywhere shares its image, an edited one does not.
        // (FNV-1a 64's published test vectors: "" → cbf29ce484222325, "a" → af63dc4c8601ec8c.)
        #expect(FormulaSplitList.imageName(rendering: "") == "latex-cbf29ce484222325.png")
        #expect(FormulaSplitList.imageName(rendering: "a") == "latex-af63dc4c8601ec8c.png")
        #expect(FormulaSplitList.imageName(rendering: "x ^ 2") != FormulaSplitList.imageName(rendering: "x ^ 3"))
        let noColumn = message { _ = try FormulaSplitList.read(try write("n.csv", "formula\nx\n"), formulas: nil) }
        #expect(noColumn.contains("n.csv") && noColumn.contains("latex"), "\(noColumn)")
        let escaping = message { _ = try FormulaSplitList.read(try write("e.csv", "latex,image\nx,../../etc/passwd\n"), formulas: nil) }
        #expect(escaping.contains("e.csv") && escaping.contains("line 2") && escaping.contains("inside data.images"), "\(escaping)")
        let escapingJSON = message { _ = try FormulaSplitList.read(try write("e.jsonl", "{\"latex\": \"x\", \"image\": \"/etc/x.png\"}\n"), formulas: nil) }
        #expect(escapingJSON.contains("e.jsonl") && escapingJSON.contains("line 1") && escapingJSON.contains("inside data.images"), "\(escapingJSON)")
        let csv = Array("image,latex\na.png,\"x , y\"\n,z\n".utf8)
        _ = try fuzz(csv, name: "split.csv", iterations: 800, seed: 23) { path in
            _ = try FormulaSplitList.read(URL(fileURLWithPath: path), formulas: nil)
        }
    }

    @Test func aByteOrderMarkIsNotPartOfTheFirstImageNameOrFormula() throws {
        let bom = "\u{FEFF}"
        let list = try FormulaSplitList.read(try write("bom.lst", bom + "a.png 1\nb.png 0\n"), formulas: formulas)
        #expect(list.map(\.imageName) == ["a.png", "b.png"])
        let formulaList = try FormulaSplitList.readFormulas(try write("bom-formulas.lst", bom + "x ^ { 2 }\ny\n"))
        #expect(formulaList == ["x ^ { 2 }", "y"])
    }

    @Test func aMissingListOrADirectoryIsNamedPlainly() throws {
        let missing = message { _ = try FormulaSplitList.read(directory.appendingPathComponent("absent.lst"), formulas: formulas) }
        #expect(missing.contains("absent.lst") && missing.contains("no such file"), "\(missing)")
        let folder = directory.appendingPathComponent("folder.lst")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let isDirectory = message { _ = try FormulaSplitList.readFormulas(folder) }
        #expect(isDirectory.contains("folder.lst") && isDirectory.contains("is a directory"), "\(isDirectory)")
    }

    @Test func damagedListsAreRejectedNeverACrash() throws {
        let list = Array("a.png 1\nb.png 0\n2 c basic\n".utf8)
        let rejected = try fuzz(list, name: "split.lst", iterations: 1500, seed: 21) { path in
            _ = try FormulaSplitList.read(URL(fileURLWithPath: path), formulas: formulas)
        }
        #expect(rejected > 300)
        let formulaList = Array("x ^ { 2 }\n\\frac { a } { b }\n".utf8)
        _ = try fuzz(formulaList, name: "formulas.lst", iterations: 500, seed: 22) { path in
            _ = try FormulaSplitList.readFormulas(URL(fileURLWithPath: path))
        }
    }
}
