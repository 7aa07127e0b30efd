import Foundation
import LemmaText
import Testing

@Suite struct WordPieceFileFormatTests {
    static let vocab = try! String(contentsOf: Fixtures.url("bert-uncased-vocab.txt"), encoding: .utf8)

    @Test func vocabFileErrorsNameTheLine() throws {
        func error(_ text: String) throws -> TokenizerFileError? {
            let url = try Fixtures.temporaryFile("vocab.txt", text)
            return thrownError(TokenizerFileError.self) { _ = try WordPieceTokenizer(vocabFile: url) }
        }
        #expect(try error("[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\nthe\n")?.description.hasSuffix("vocab.txt:6: duplicate token \"the\" (first on line 5)") == true)
        #expect(try error("[PAD]\n\n[UNK]\n")?.line == 2)
        #expect(try error("[PAD]\n[UNK]\n[CLS]\n")?.message == "has no [SEP] token; a BERT vocabulary needs [UNK], [CLS], [SEP] and [PAD]")
        let url = try Fixtures.temporaryFile("vocab.txt", Array("[PAD]\n[UNK]\n".utf8) + [0xE2, 0x82] + Array("\n".utf8))
        let invalid = thrownError(TokenizerFileError.self) { _ = try WordPieceTokenizer(vocabFile: url) }
        #expect(invalid?.line == 3)
        #expect(invalid?.message.hasPrefix("invalid UTF-8") == true)
    }

    @Test func tokenizerJSONErrors() throws {
        let json = try String(contentsOf: Fixtures.url("bert-mini/uncased-tokenizer.json"), encoding: .utf8)
        func error(_ text: String) throws -> TokenizerFileError? {
            let url = try Fixtures.temporaryFile("tokenizer.json", text)
            return thrownError(TokenizerFileError.self) { _ = try WordPieceTokenizer(tokenizerJSON: url) }
        }
        #expect(try error(json.replacingOccurrences(of: "\"WordPiece\"", with: "\"BPE\""))?.message
                == "expected model.type \"WordPiece\", found \"BPE\"")
        #expect(try error(json.replacingOccurrences(of: "\"[UNK]\": 100", with: "\"[UNK]\": 7"))?.message.contains("both have id 7") == true)
        let cut = try error(String(json.prefix(2000)))
        #expect(cut?.message.hasPrefix("invalid JSON") == true)
        #expect((cut?.line ?? 0) > 10)
        #expect(try error("[1, 2]")?.message == "expected a JSON object (a tokenizer.json)")
    }

    @Test func mutatedFilesThrowInsteadOfCrashing() throws {
        let vocab = Array(Self.vocab.split(separator: "\n").prefix(3000).joined(separator: "\n").utf8)
        let json = Array(try Data(contentsOf: Fixtures.url("bert-mini/cased-tokenizer.json")))
        var generator = SeededGenerator(seed: 11)
        var failures = 0
        for round in 0..<120 {
            let v = try Fixtures.temporaryFile("vocab.txt", Mutation.apply(vocab, round: round, using: &generator))
            let j = try Fixtures.temporaryFile("tokenizer.json", Mutation.apply(json, round: round, using: &generator))
            do { _ = try WordPieceTokenizer(vocabFile: v).encode("héllo wörld") } catch is TokenizerFileError { failures += 1 }
            do { _ = try WordPieceTokenizer(tokenizerJSON: j).encode("héllo wörld") } catch is TokenizerFileError { failures += 1 }
        }
        #expect(failures > 60)
    }
}
