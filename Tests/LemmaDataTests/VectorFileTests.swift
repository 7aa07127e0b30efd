import Foundation
import LemmaData
import LemmaTensor
import Testing

/// GloVe / word2vec text and word2vec binary files against the table the fixture script wrote.
struct VectorFileTests {
    struct Expected: Decodable {
        let words: [String]
        let vectors: [[Double]]
    }

    let expected: Expected

    init() throws {
        expected = try DataFixtures.json("vectors/expected.json", as: Expected.self)
    }

    func expectTable(_ vectors: WordVectors, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(vectors.words == expected.words, sourceLocation: sourceLocation)
        #expect(vectors.matrix.shape == [expected.words.count, 5], sourceLocation: sourceLocation)
        #expect(vectors.matrix.scalars == expected.vectors.joined().map { Float($0) }, sourceLocation: sourceLocation)
    }

    @Test func readsGloVeTextWithoutHeader() throws {
        let file = try TextVectorFile(path: DataFixtures.path("vectors/glove.txt"))
        #expect(file.dimension == 5)
        #expect(file.declaredCount == nil)
        expectTable(try file.readAll())
    }

    @Test func readsWord2VecTextWithHeader() throws {
        let file = try TextVectorFile(path: DataFixtures.path("vectors/word2vec.txt"))
        #expect(file.declaredCount == expected.words.count)
        expectTable(try file.readAll())
    }

    @Test func readsVecFilesWithTrailingSpacesAndCRLF() throws {
        expectTable(try TextVectorFile(path: DataFixtures.path("vectors/crlf.vec")).readAll())
    }

    @Test func readsWord2VecBinary() throws {
        let file = try Word2VecBinaryFile(path: DataFixtures.path("vectors/word2vec.bin"))
        #expect(file.count == expected.words.count && file.dimension == 5)
        expectTable(try file.readAll())
    }

    @Test func streamsInFileOrder() throws {
        var words: [String] = []
        try TextVectorFile(path: DataFixtures.path("vectors/glove.txt")).forEachVector { word, vector in
            words.append(String(decoding: word, as: UTF8.self))
            #expect(vector.count == 5)
        }
        #expect(words == expected.words)
    }

    @Test func looksUpWordsByteForByte() throws {
        let vectors = try TextVectorFile(path: DataFixtures.path("vectors/glove.txt")).readAll()
        #expect(vectors.row(of: "naïve") == 6)
        // The same letters in decomposed form are a different word to GloVe, Python and fastText.
        #expect(vectors.row(of: "nai\u{308}ve") == nil)
        #expect(vectors.vector(for: "Lemma") == expected.vectors[4].map { Float($0) })
        #expect(vectors.vector(for: "LEMMA") == nil)
    }

    @Test func duplicateWordsKeepBothRowsAndFindTheFirst() throws {
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try DataFixtures.write("a 1 2\nb 3 4\na 5 6\n", "dup.txt", in: directory)
        let vectors = try TextVectorFile(path: path).readAll()
        #expect(vectors.words == ["a", "b", "a"])
        #expect(vectors.vector(for: "a") == [1, 2])
    }

    @Test func wordsWithSpacesNeedTheOption() throws {
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try DataFixtures.write("dot 1 2\nat name@domain.com 3 4\n", "spaces.txt", in: directory)
        expectFormatError("line 2", "expected a word and 2 numbers, found 3", "wordsMayContainSpaces") {
            _ = try TextVectorFile(path: path).readAll()
        }
        let vectors = try TextVectorFile(path: path, options: .init(wordsMayContainSpaces: true)).readAll()
        #expect(vectors.words == ["dot", "at name@domain.com"])
        #expect(vectors.vector(for: "at name@domain.com") == [3, 4])
    }

    @Test func textErrorsNameTheLineAndWhatWasExpected() throws {
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func read(_ text: String, options: TextVectorFile.Options = .init()) throws {
            _ = try TextVectorFile(path: try DataFixtures.write(text, "bad.txt", in: directory), options: options).readAll()
        }
        expectFormatError("bad.txt", "line 3", "expected a word and 3 numbers, found 2") { try read("a 1 2 3\nb 4 5 6\nc 7 8\n") }
        expectFormatError("line 2", "value 2 'x1'", "not a finite number") { try read("a 1 2 3\nb 4 x1 6\n") }
        expectFormatError("line 1", "value 1 '1.5.2'") { try read("a 1.5.2 2 3\n") }
        expectFormatError("line 2", "value 3 'nan'") { try read("a 1 2 3\nb 1 2 nan\n") }
        expectFormatError("line 2", "value 1 '1e99'") { try read("a 1 2\nb 1e99 2\n") }
        expectFormatError("file ends after 2 vectors", "declares 3") { try read("3 2\na 1.0 2.0\nb 3.0 4.0\n") }
        expectFormatError("line 4", "more vectors than the 2") { try read("2 2\na 1 2\nb 3 4\nc 5 6\n") }
        expectFormatError("header declares 1000000 vectors", "more than") { try read("1000000 3\na 1 2 3\n") }
        expectFormatError("header dimension 1000000000000 is 0 or more than") { try read("0 1000000000000\n") }
        expectFormatError("line 1", "expected a header") { try read("a 1 2\n", options: .init(header: .present)) }
        expectFormatError("no vectors") { try read("\n  \n") }
        expectFormatError("expected a word and its vector") { try read("lonely\n") }
    }

    @Test func numbersAreRoundedExactlyAsStrtofDoes() throws {
        // Short decimals take a fast path; everything must still equal the correctly rounded float32.
        let g = RandomGenerator(seed: 17)
        var tokens: [String] = []
        for _ in 0..<30_000 {
            let digits = (0..<(1 + g.nextInt(below: 11))).map { _ in String(g.nextInt(below: 10)) }.joined()
            let point = g.nextInt(below: digits.count + 1)
            var token = String(digits.prefix(point)) + (point < digits.count || g.nextInt(below: 2) == 0 ? "." : "") + String(digits.dropFirst(point))
            if token == "." { token = "0" }
            if g.nextInt(below: 3) == 0 { token = "-" + token }
            if g.nextInt(below: 10) == 0 { token += "e" + String(g.nextInt(below: 50) - 30) }
            tokens.append(token)
        }
        let lines = stride(from: 0, to: tokens.count, by: 10).map { "w\($0) " + tokens[$0..<($0 + 10)].joined(separator: " ") }
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try DataFixtures.write(lines.joined(separator: "\n"), "numbers.txt", in: directory)
        let values = try TextVectorFile(path: path).readAll().matrix.scalars
        let reference = tokens.map { Float($0)! }
        #expect(values.count == reference.count)
        for (i, (value, want)) in zip(values, reference).enumerated() where value.bitPattern != want.bitPattern {
            Issue.record("'\(tokens[i])' read as \(value), expected \(want)")
            break
        }
    }

    @Test func invalidUTF8WordIsAnErrorNamingTheLine() throws {
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try DataFixtures.write(Array("a 1 2\n".utf8) + [0xC3, 0x28] + Array(" 3 4\n".utf8), "utf8.txt", in: directory)
        expectFormatError("utf8.txt", "line 2", "invalid UTF-8") { _ = try TextVectorFile(path: path).readAll() }
    }

    @Test func binaryErrorsNameTheByteOffset() throws {
        let valid = try DataFixtures.bytes("vectors/word2vec.bin")
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func read(_ bytes: [UInt8]) throws {
            _ = try Word2VecBinaryFile(path: try DataFixtures.write(bytes, "bad.bin", in: directory)).readAll()
        }
        expectFormatError("bad.bin", "file ends inside the vector of word 12") { try read(Array(valid.dropLast(5))) }
        expectFormatError("header declares 99999 vectors") { try read(Array("99999 5\n".utf8) + valid.drop(while: { $0 != 0x0A }).dropFirst()) }
        expectFormatError("byte 0", "expected a header `count dimension`") { try read(Array("12 x\n".utf8)) }
        expectFormatError("unexpected data after the 12 vectors") { try read(valid + Array("junk".utf8)) }
        expectFormatError("file ends inside the header") { try read(Array("12 5".utf8)) }
        var nan = valid
        let firstVector = valid.firstIndex(of: 0x0A)! + 1 + "the ".utf8.count
        nan.replaceSubrange(firstVector..<(firstVector + 4), with: [0x00, 0x00, 0xC0, 0x7F])
        expectFormatError("byte \(firstVector)", "value 1 of word 1 is not finite") { try read(nan) }
    }
}
