import Foundation
import LemmaText
import Testing

@Suite struct VocabularyTests {
    @Test func buildingPutsSpecialTokensFirstThenByFrequencyWithTiesInCodePointOrder() {
        let tokenizer = WordTokenizer(buildingFrom: ["b a c a b a", "d e é Z"], minFrequency: 1,
                                      specialTokens: ["<pad>", "<unk>", "<bos>", "<eos>"])
        #expect(tokenizer.vocabulary.tokens == ["<pad>", "<unk>", "<bos>", "<eos>", "a", "b", "Z", "c", "d", "e", "é"])
        #expect(tokenizer.vocabulary.counts == [0, 0, 0, 0, 3, 2, 1, 1, 1, 1, 1])
        #expect(tokenizer.specialTokenIDs == SpecialTokenIDs(pad: 0, unknown: 1, bos: 2, eos: 3))
    }

    @Test func minimumFrequencyAndMaximumSize() {
        let texts = ["x x x y y z", "x y w"]
        let frequent = WordTokenizer(buildingFrom: texts, minFrequency: 2)
        #expect(frequent.vocabulary.tokens == ["<pad>", "<unk>", "x", "y"])
        let small = WordTokenizer(buildingFrom: texts, maxSize: 3)
        #expect(small.vocabulary.tokens == ["<pad>", "<unk>", "x"])
        #expect(small.encode("x y q") == [2, 1, 1])
        #expect(small.tokens("x y") == ["x", "<unk>"])
    }

    @Test func specialTokensInTheTextAreNotCountedTwice() {
        let tokenizer = CharacterTokenizer(buildingFrom: ["<unk>"], specialTokens: ["<unk>"])
        #expect(tokenizer.vocabulary.tokens == ["<unk>", "<", ">", "k", "n", "u"])
    }

    @Test func canonicallyEquivalentTokensStayDistinct() {
        let tokenizer = WordTokenizer(buildingFrom: ["caf\u{E9} cafe\u{301}"])
        // Equal counts: code-point order puts "e" + U+0301 before U+00E9.
        #expect(tokenizer.vocabulary.tokens.map { Array($0.unicodeScalars) } == [
            Array("<pad>".unicodeScalars), Array("<unk>".unicodeScalars), ["c", "a", "f", "e", "\u{301}"], ["c", "a", "f", "\u{E9}"],
        ])
        #expect(tokenizer.encode("caf\u{E9} cafe\u{301}") == [3, 2])
    }

    @Test func fileWithCountsLikeGloVe() throws {
        let url = try Fixtures.temporaryFile("vocab.txt", "the 1061396\n, 1000\n\\alpha 12\nx\n")
        let vocabulary = try Vocabulary(contentsOf: url)
        #expect(vocabulary.tokens == ["<pad>", "<unk>", "the", ",", "\\alpha", "x"])
        #expect(vocabulary.counts == [0, 0, 1061396, 1000, 12, 0])
        let kept = try Vocabulary(contentsOf: try Fixtures.temporaryFile("v.txt", "a\n<unk>\nb\n"), specialTokens: ["<pad>", "<unk>"])
        #expect(kept.tokens == ["<pad>", "a", "<unk>", "b"])
    }

    @Test func writeThenReadGivesTheSameVocabulary() throws {
        let built = WordTokenizer(buildingFrom: ["one two two three three three"]).vocabulary
        let url = try Fixtures.temporaryFile("out.txt", "")
        try built.write(to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "<pad> 0\n<unk> 0\nthree 3\ntwo 2\none 1\n")
        let read = try Vocabulary(contentsOf: url)
        #expect(read.tokens == built.tokens)
        #expect(read.counts == built.counts)
    }

    @Test func whitespaceTokensAreEscapedInFiles() throws {
        let characters = CharacterTokenizer(buildingFrom: ["a b\n\tb\u{3000}"]).vocabulary
        let words = Vocabulary(tokens: ["<unk>", #"\u{41}"#, #"\alpha"#, "x\u{A0}y", #"\u{"#])
        for vocabulary in [characters, words] {
            let url = try Fixtures.temporaryFile("out.txt", "")
            try vocabulary.write(to: url)
            let read = try Vocabulary(contentsOf: url, specialTokens: [])
            #expect(read.tokens.map { Array($0.unicodeScalars) } == vocabulary.tokens.map { Array($0.unicodeScalars) })
            #expect(read.counts == vocabulary.counts)
        }
        let url = try Fixtures.temporaryFile("out.txt", "")
        try words.write(to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "<unk>\n\\u{5C}u{41}\n\\alpha\nx\\u{A0}y\n\\u{5C}u{\n")
        #expect(thrownError(TokenizerFileError.self) { try Vocabulary(tokens: [""]).write(to: url) } != nil)
    }

    @Test(arguments: [
        ("a\nb\na\n", "vocab.txt:3: duplicate token \"a\" (first on line 1)"),
        ("a 1\nb x\n", "vocab.txt:2: expected a count (a non-negative integer) after \"b\", found 'x'"),
        ("a 1 2\n", "vocab.txt:1: expected '<token>' or '<token> <count>', found 3 fields"),
        ("a\n\nb\n", "vocab.txt:2: expected a token, found an empty line"),
        ("a -3\n", "vocab.txt:1: expected a count (a non-negative integer) after \"a\", found '-3'"),
    ])
    func malformedFilesNameFileLineAndProblem(contents: String, expected: String) throws {
        let url = try Fixtures.temporaryFile("vocab.txt", contents)
        let error = thrownError(TokenizerFileError.self) { _ = try Vocabulary(contentsOf: url) }
        #expect(error?.description == url.deletingLastPathComponent().path + "/" + expected)
    }

    @Test func invalidUTF8IsReportedWithItsLine() throws {
        let url = try Fixtures.temporaryFile("vocab.txt", Array("ok\nfine 2\n".utf8) + [0x61, 0xC3, 0x28] + Array("\n".utf8))
        let error = thrownError(TokenizerFileError.self) { _ = try Vocabulary(contentsOf: url) }
        #expect(error?.line == 3)
        #expect(error?.message == "invalid UTF-8 at byte 2 of the line")
    }

    @Test func missingFileIsAnError() {
        let error = thrownError(TokenizerFileError.self) { _ = try Vocabulary(contentsOf: URL(fileURLWithPath: "/nonexistent/vocab.txt")) }
        #expect(error?.path == "/nonexistent/vocab.txt")
        #expect(error?.description.hasPrefix("/nonexistent/vocab.txt: cannot be read") == true)
    }
}
