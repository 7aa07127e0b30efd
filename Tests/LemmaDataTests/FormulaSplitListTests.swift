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
        let processed = try FormulaSplitList.read(try write("train.lst", "a.png 1\n\nb.png 0\n"), formulas: read, split: "train")
        #expect(processed == [FormulaExample(imageName: "a.png", formula: formulas[1], line: 1),
                              FormulaExample(imageName: "b.png", formula: formulas[0], line: 3)])
        let raw = try FormulaSplitList.read(try write("raw.lst", "2 66667cee5b basic\n0 7afe4f1b2c basic\n"), formulas: read, split: "train")
        #expect(raw.map(\.imageName) == ["66667cee5b.png", "7afe4f1b2c.png"] && raw[0].formula == formulas[2])
    }

    @Test func badLinesNameTheFileAndLine() throws {
        let outOfRange = message { _ = try FormulaSplitList.read(try write("a.lst", "a.png 0\nb.png 3\n"), formulas: formulas, split: "t") }
        #expect(outOfRange.contains("a.lst") && outOfRange.contains("line 2") && outOfRange.contains("out of range"), "\(outOfRange)")
        let garbled = message { _ = try FormulaSplitList.read(try write("b.lst", "just-a-name\n"), formulas: formulas, split: "t") }
        #expect(garbled.contains("b.lst") && garbled.contains("line 1") && garbled.contains("image_name formula_index"), "\(garbled)")
        let escaping = message { _ = try FormulaSplitList.read(try write("c.lst", "../../etc/x.png 0\n"), formulas: formulas, split: "t") }
        #expect(escaping.contains("line 1") && escaping.contains("inside data.images"), "\(escaping)")
        let noFormulas = message { _ = try FormulaSplitList.read(try write("d.lst", "a.png 0\n"), formulas: nil, split: "t") }
        #expect(noFormulas.contains("data.formulas"), "\(noFormulas)")
        let empty = message { _ = try FormulaSplitList.read(try write("e.lst", "\n\n"), formulas: formulas, split: "t") }
        #expect(empty.contains("no examples"))
    }

    @Test func jsonLinesGiveTheLaTeXAndOptionallyTheImage() throws {
        let url = try write("valid.jsonl", "{\"latex\": \"a + b\", \"image\": \"sum.png\"}\n{\"latex\": \"c\"}\n")
        let examples = try FormulaSplitList.read(url, formulas: nil, split: "valid")
        #expect(examples == [FormulaExample(imageName: "sum.png", formula: "a + b", line: 1),
                             FormulaExample(imageName: "valid-2.png", formula: "c", line: 2)])
        let missing = message { _ = try FormulaSplitList.read(try write("bad.jsonl", "{\"latex\": \"a\"}\n{\"text\": \"b\"}\n"), formulas: nil, split: "v") }
        #expect(missing.contains("bad.jsonl") && missing.contains("line 2") && missing.contains("latex"), "\(missing)")
    }

    @Test func damagedListsAreRejectedNeverACrash() throws {
        let list = Array("a.png 1\nb.png 0\n2 c basic\n".utf8)
        let rejected = try fuzz(list, name: "split.lst", iterations: 1500, seed: 21) { path in
            _ = try FormulaSplitList.read(URL(fileURLWithPath: path), formulas: formulas, split: "train")
        }
        #expect(rejected > 300)
        let formulaList = Array("x ^ { 2 }\n\\frac { a } { b }\n".utf8)
        _ = try fuzz(formulaList, name: "formulas.lst", iterations: 500, seed: 22) { path in
            _ = try FormulaSplitList.readFormulas(URL(fileURLWithPath: path))
        }
    }
}
