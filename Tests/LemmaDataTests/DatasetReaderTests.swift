import Foundation
import LemmaData
import LemmaTensor
import Testing

/// Every dataset reader against the files the fixture script wrote, and their errors.
struct DatasetReaderTests {
    let expected: [String: [ExpectedExample]]

    init() throws {
        expected = try DataFixtures.json("datasets/expected.json", as: [String: [ExpectedExample]].self)
    }

    func expectExamples(_ reader: some ExampleReader, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var reader = reader
        let examples = try reader.readAll()
        let wanted = expected[name]!
        #expect(examples.count == wanted.count, "\(name)", sourceLocation: sourceLocation)
        for (example, want) in zip(examples, wanted) {
            #expect(example.text == want.text, "\(name)", sourceLocation: sourceLocation)
            #expect(example.label == want.label, "\(name)", sourceLocation: sourceLocation)
            #expect(example.source.line == want.line, "\(name): \(example.text)", sourceLocation: sourceLocation)
            #expect(example.source.member == want.member, "\(name)", sourceLocation: sourceLocation)
        }
        #expect(try reader.next() == nil, sourceLocation: sourceLocation)
    }

    @Test func csvWithQuotesEmbeddedNewlinesAndCRLF() throws {
        let reader = try CSVExampleReader(path: DataFixtures.path("datasets/examples.csv"), textColumn: "text", labelColumn: "label")
        #expect(reader.header == ["id", "text", "label"])
        try expectExamples(reader, "examples.csv")
    }

    @Test func tsvByColumnName() throws {
        try expectExamples(try CSVExampleReader.tsv(path: DataFixtures.path("datasets/examples.tsv"), textColumn: "text", labelColumn: "label"), "examples.tsv")
    }

    @Test func jsonLines() throws {
        try expectExamples(try JSONLinesExampleReader(path: DataFixtures.path("datasets/examples.jsonl")), "examples.jsonl")
    }

    @Test func textLines() throws {
        try expectExamples(try TextLinesExampleReader(path: DataFixtures.path("datasets/lines.txt")), "lines.txt")
    }

    @Test func directoryOfLabelDirectories() throws {
        try expectExamples(try DirectoryExampleReader(directory: DataFixtures.path("datasets/directory")), "directory")
    }

    @Test(arguments: ["paragraphs_gnu.tar", "paragraphs_pax.tar", "paragraphs_ustar.tar"])
    func llamapunTarArchives(name: String) throws {
        try expectExamples(try TarExampleReader(path: DataFixtures.path("datasets/\(name)")), name)
    }

    @Test func csvErrorsNameFileAndLine() throws {
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func read(_ text: String, text column: String = "text", label: String? = "label", quoting: Bool = true) throws {
            var reader = try CSVExampleReader(path: try DataFixtures.write(text, "bad.csv", in: directory), textColumn: column, labelColumn: label, quoting: quoting)
            _ = try reader.readAll()
        }
        expectFormatError("bad.csv", "line 3", "2 fields, expected 3") { try read("text,label,x\na,b,c\nd,e\n") }
        expectFormatError("line 2", "4 fields, expected 3") { try read("text,label,x\na,b,c,d\n") }
        expectFormatError("line 1", "no column named 'body'", "[\"text\", \"label\"]") { try read("text,label\na,b\n", text: "body") }
        expectFormatError("line 1", "2 columns named 'text'") { try read("text,text\na,b\n", label: nil) }
        expectFormatError("line 2", "never closed") { try read("text,label\n\"abc,d\nmore\n") }
        expectFormatError("line 2", "after the closing quote") { try read("text,label\n\"abc\"x,d\n") }
        expectFormatError("line 2", "quote inside an unquoted field 1") { try read("text,label\nab\"c,d\n") }
        expectFormatError("file is empty") { try read("") }
        try read("text,label\nab\"c,d\n", quoting: false)
        var lastLine = try CSVExampleReader(path: try DataFixtures.write("text,label\r\na,b\r", "cr.csv", in: directory), textColumn: "text", labelColumn: "label")
        #expect(try lastLine.readAll().map(\.label) == ["b"])
        let invalid = Array("text,label\nok,fine\n".utf8) + [0xFF, 0x2C, 0x61, 0x0A]
        expectFormatError("line 3", "column 'text'", "invalid UTF-8") {
            var reader = try CSVExampleReader(path: try DataFixtures.write(invalid, "utf8.csv", in: directory), textColumn: "text")
            _ = try reader.readAll()
        }
    }

    @Test func jsonLinesErrorsNameTheLine() throws {
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func read(_ text: String, label: String? = "label") throws {
            var reader = try JSONLinesExampleReader(path: try DataFixtures.write(text, "bad.jsonl", in: directory), labelField: label)
            _ = try reader.readAll()
        }
        expectFormatError("bad.jsonl", "line 2", "invalid JSON") { try read("{\"text\": \"a\", \"label\": \"b\"}\n{\"text\": \"a\",}\n") }
        expectFormatError("line 1", "no field 'label'") { try read("{\"text\": \"a\"}\n") }
        expectFormatError("line 1", "no field 'text'") { try read("{\"body\": \"a\", \"label\": 1}\n") }
        expectFormatError("line 1", "'text' is not a string") { try read("{\"text\": 5, \"label\": 1}\n") }
        expectFormatError("line 1", "'label' is not a string, number or boolean") { try read("{\"text\": \"a\", \"label\": [1]}\n") }
        expectFormatError("line 1", "expected a JSON object") { try read("[1, 2]\n") }
        expectFormatError("line 1", "lone UTF-16") { try read("{\"text\": \"\\ud800\", \"label\": 1}\n") }
        expectFormatError("line 1", "control character") { try read("{\"text\": \"a\tb\", \"label\": 1}\n") }
        expectFormatError("line 1", "nested more than") { try read("{\"text\": \"a\", \"x\": " + String(repeating: "[", count: 10_000) + "}\n") }
        expectFormatError("line 1", "unexpected text after") { try read("{\"text\": \"a\"} x\n", label: nil) }
        try read("{\"text\": \"\\ud83d\\ude00 \\u00e9\\n\", \"label\": true}\n")
        let reader = try JSONLinesExampleReader(path: try DataFixtures.write("{\"text\":\"\\ud83d\\ude00\\u00e9\\\"\", \"label\": -1.5e3}\n", "ok.jsonl", in: directory))
        let example = try reader.next()
        #expect(example?.text == "😀é\"" && example?.label == "-1.5e3")
        let invalid = Array("{\"text\": \"".utf8) + [0xE2, 0x82] + Array("\"}\n".utf8)
        expectFormatError("line 1", "invalid UTF-8") {
            var reader = try JSONLinesExampleReader(path: try DataFixtures.write(invalid, "utf8.jsonl", in: directory), labelField: nil)
            _ = try reader.readAll()
        }
    }

    @Test func tarErrorsNameTheMember() throws {
        let valid = try DataFixtures.bytes("datasets/paragraphs_gnu.tar")
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func read(_ bytes: [UInt8]) throws {
            var reader = try TarExampleReader(path: try DataFixtures.write(bytes, "bad.tar", in: directory))
            _ = try reader.readAll()
        }
        // Headers: 5 directories, then proof/00000001.txt at block 5 with its data in block 6.
        expectFormatError("bad.tar", "byte 2560", "member proof/00000001.txt declares 37 bytes", "truncated") { try read(Array(valid.prefix(512 * 6 + 10))) }
        expectFormatError("byte 3584", "ends inside a header after member proof/00000001.txt") { try read(Array(valid.prefix(512 * 7 + 100))) }
        var corrupt = valid
        corrupt[512 * 5 + 3] ^= 0x01
        expectFormatError("byte 2560", "checksum") { try read(corrupt) }
        var badSize = valid
        let sizeField = 512 * 5 + 124
        badSize.replaceSubrange(sizeField..<(sizeField + 12), with: Array("77777777777\0".utf8))
        // Recompute the checksum so only the size is wrong.
        var sum = 0
        for i in (512 * 5)..<(512 * 6) { sum += (148..<156).contains(i - 512 * 5) ? 0x20 : Int(badSize[i]) }
        badSize.replaceSubrange((512 * 5 + 148)..<(512 * 5 + 156), with: Array(String(format: "%06o\0 ", sum).utf8))
        expectFormatError("member proof/00000001.txt declares 8589934591 bytes", "truncated") { try read(badSize) }
        var invalid = valid
        invalid[512 * 6] = 0xFF
        expectFormatError("member proof/00000001.txt", "invalid UTF-8") { try read(invalid) }
        // An archive with no end-of-archive blocks is read to its end.
        var unterminated = valid
        while unterminated.count > 512, unterminated.suffix(512).allSatisfy({ $0 == 0 }) { unterminated.removeLast(512) }
        try read(unterminated)
    }

    /// A one-member ustar archive made by hand, with the size in octal or in base-256.
    func handMadeTar(name: String, contents: String, base256: Bool = false) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int) { header.replaceSubrange(offset..<(offset + bytes.count), with: bytes) }
        put(Array(name.utf8), at: 0)
        put(Array("0000644\0".utf8), at: 100)
        let size = contents.utf8.count
        put(base256 ? [0x80] + [UInt8](repeating: 0, count: 9) + [UInt8(size >> 8), UInt8(size & 0xFF)]
                    : Array(String(format: "%011o\0", size).utf8), at: 124)
        put(Array("00000000000\0".utf8), at: 136)
        put(Array("0".utf8), at: 156)
        put(Array("ustar\u{0}00".utf8), at: 257)
        let sum = header.enumerated().reduce(0) { $0 + ((148..<156).contains($1.offset) ? 0x20 : Int($1.element)) }
        put(Array(String(format: "%06o\0 ", sum).utf8), at: 148)
        let padding = (512 - size % 512) % 512
        return header + Array(contents.utf8) + [UInt8](repeating: 0, count: padding + 1024)
    }

    @Test func tarMembersOutsideALabelDirectoryAreErrors() throws {
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try DataFixtures.write(handMadeTar(name: "loose.txt", contents: "abc"), "loose.tar", in: directory)
        expectFormatError("member loose.txt is not inside a label directory") {
            let reader = try TarExampleReader(path: path)
            _ = try reader.next()
        }
        let tar = try TarReader(path: path)
        #expect(try tar.nextEntry() == TarEntry(name: "loose.txt", size: 3, offset: 0))
        #expect(try tar.readContents() == Array("abc".utf8))
        #expect(try tar.nextEntry() == nil)
    }

    @Test func tarSizesInBase256() throws {
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = String(repeating: "paragraph ", count: 70)
        let path = try DataFixtures.write(handMadeTar(name: "remark/1.txt", contents: text, base256: true), "big.tar", in: directory)
        var reader = try TarExampleReader(path: path)
        #expect(try reader.readAll() == [Example(text: text, label: "remark", source: ExampleLocation(path: path, member: "remark/1.txt"))])
    }

    @Test func textAndDirectoryErrors() throws {
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try DataFixtures.write(Array("fine\n".utf8) + [0xC0, 0x80, 0x0A], "bad.txt", in: directory)
        expectFormatError("bad.txt", "line 2", "invalid UTF-8") {
            var reader = try TextLinesExampleReader(path: path)
            _ = try reader.readAll()
        }
        expectFormatError("line 1 is longer than 8 bytes") {
            var reader = try TextLinesExampleReader(path: try DataFixtures.write("0123456789\n", "long.txt", in: directory), maxLineBytes: 8)
            _ = try reader.readAll()
        }
        expectFormatError("is not a directory") { _ = try DirectoryExampleReader(directory: path) }
        expectFormatError("is a directory") { _ = try TextLinesExampleReader(path: directory.path) }
        expectFormatError("cannot open") { _ = try JSONLinesExampleReader(path: directory.path + "/missing.jsonl") }
        let labelled = directory.appendingPathComponent("corpus/label")
        try FileManager.default.createDirectory(at: labelled, withIntermediateDirectories: true)
        try DataFixtures.write([0xFF], "1.txt", in: labelled)
        expectFormatError("1.txt", "invalid UTF-8") {
            var reader = try DirectoryExampleReader(directory: directory.appendingPathComponent("corpus").path)
            _ = try reader.readAll()
        }
    }
}
