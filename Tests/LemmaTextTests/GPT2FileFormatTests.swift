import Foundation
import LemmaText
import Testing

@Suite struct GPT2FileFormatTests {
    /// OpenAI's encoder.json + vocab.bpe, where ../shared has them (without it the subset test below covers
    /// this loader, and this one is reported skipped).
    static let sharedTokenizer: URL? = Fixtures.sharedDirectory.map { $0.appendingPathComponent("data/gpt2-tokenizer") }
        .flatMap { FileManager.default.fileExists(atPath: $0.appendingPathComponent("encoder.json").path) ? $0 : nil }

    @Test(.enabled(if: sharedTokenizer != nil, "../shared/data/gpt2-tokenizer is not here"))
    func encoderJSONAndVocabBPEGiveTheSameTokenizerAsTheRanksFile() throws {
        let bundled = try GPT2Tokenizer.bundled()
        let shared = try #require(Self.sharedTokenizer)
        let original = try GPT2Tokenizer(encoderJSON: shared.appendingPathComponent("encoder.json"),
                                         vocabBPE: shared.appendingPathComponent("vocab.bpe"))
        #expect(original.vocabularySize == 50257)
        #expect(original.specialTokens == ["<|endoftext|>": 50256])
        for id in Int32(0)..<50257 {
            #expect(try original.decodeBytes([id]) == bundled.decodeBytes([id]))
        }
        for c in Fixtures.gpt2 { #expect(original.encode(c.text) == c.ids) }
    }

    /// vocab.bpe's merge lines, without the "#version" header.
    static func mergeLines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#version") }
    }

    @Test(.enabled(if: sharedTokenizer != nil, "../shared/data/gpt2-tokenizer is not here"))
    func theBundledRanksListTheirMergesAsVocabBPEDoes() throws {
        let expected = try Self.mergeLines(#require(Self.sharedTokenizer).appendingPathComponent("vocab.bpe"))
        let merges = try GPT2Tokenizer.bundled().merges().map { "\($0.left) \($0.right)" }
        #expect(merges.count == 50000 && merges == expected)
    }

    @Test func mergesOfTheSubsetAreItsVocabBPE() throws {
        let tokenizer = try GPT2Tokenizer(encoderJSON: Fixtures.url("gpt2-subset/encoder.json"),
                                          vocabBPE: Fixtures.url("gpt2-subset/vocab.bpe"))
        let expected = try Self.mergeLines(Fixtures.url("gpt2-subset/vocab.bpe"))
        #expect(try tokenizer.merges().map { "\($0.left) \($0.right)" } == expected)
    }

    @Test func aRanksFileInAnotherByteOrderCannotBeListedAsMerges() throws {
        // Bytes ranked by value: vocab.bpe's order puts the visible bytes first, so "!" (0x21) would be rank 0.
        let lines = (0..<256).map { "\(Data([UInt8($0)]).base64EncodedString()) \($0)" }
        let url = try Fixtures.temporaryFile("bytes.tiktoken", lines.joined(separator: "\n") + "\n")
        #expect(throws: (any Error).self) { _ = try GPT2Tokenizer(tiktokenFile: url, specialTokens: [:]).merges() }
    }

    @Test func subsetInTheOriginalFormatMatchesTiktoken() throws {
        let tokenizer = try GPT2Tokenizer(encoderJSON: Fixtures.url("gpt2-subset/encoder.json"),
                                          vocabBPE: Fixtures.url("gpt2-subset/vocab.bpe"))
        #expect(tokenizer.vocabularySize == 1257)
        #expect(tokenizer.specialTokens == ["<|endoftext|>": 1256])
        let cases = try Fixtures.cases("gpt2_subset_cases.json", as: GPT2Case.self)
        #expect(cases.count > 100)
        for c in cases {
            #expect(tokenizer.encode(c.text) == c.ids, "\(c.text.debugDescription)")
            #expect(try tokenizer.decodeBytes(c.ids) == Array(c.text.utf8))
        }
    }

    @Test func smallRanksFileRoundTrips() throws {
        // Single bytes plus two merges, written here. "abcab": a+b merge first (rank 256, leftmost of the
        // two), then a+b again, then ab+c (257); " ca" has no merges.
        var lines = (0..<256).map { "\(Data([UInt8($0)]).base64EncodedString()) \($0)" }
        lines += ["\(Data("ab".utf8).base64EncodedString()) 256", "\(Data("abc".utf8).base64EncodedString()) 257"]
        let url = try Fixtures.temporaryFile("small.tiktoken", lines.joined(separator: "\n") + "\n")
        let tokenizer = try GPT2Tokenizer(tiktokenFile: url, specialTokens: ["<|end|>": 258])
        #expect(tokenizer.encode("abcab ca") == [257, 256, 32, 99, 97])
        #expect(tokenizer.encode("x<|end|>", allowedSpecial: ["<|end|>"]) == [120, 258])
        #expect(tokenizer.vocabularySize == 259)
    }

    @Test(arguments: [
        ("IQ== 0\nIg==\n", 2, "expected '<base64 token> <rank>', found 1 field(s)"),
        ("IQ== 0\nI!== 1\n", 2, "expected a base64 token, found 'I!=='"),
        ("IQ== 0\nIg== one\n", 2, "expected a rank (an integer 0...2147483647), found 'one'"),
        ("IQ== 0\nIg== 0\n", 2, "rank 0 is already given to the token on line 1"),
        ("IQ== 0\nIQ== 1\n", 2, "token ! is already listed with rank 0"),
        ("IQ== -4\n", 1, "expected a rank (an integer 0...2147483647), found '-4'"),
    ])
    func malformedRanksFiles(contents: String, line: Int, message: String) throws {
        let url = try Fixtures.temporaryFile("bad.tiktoken", contents)
        let error = thrownError(TokenizerFileError.self) { _ = try GPT2Tokenizer(tiktokenFile: url) }
        #expect(error == TokenizerFileError(path: url.path, line: line, message))
    }

    @Test func ranksFileWithoutEveryByteIsRejected() throws {
        let url = try Fixtures.temporaryFile("bad.tiktoken", "IQ== 0\nIg== 1\n")
        let error = thrownError(TokenizerFileError.self) { _ = try GPT2Tokenizer(tiktokenFile: url) }
        #expect(error?.description == "\(url.path): no token for the single byte 0x0; a byte-level BPE vocabulary needs all 256")
    }

    @Test func malformedEncoderJSONAndVocabBPE() throws {
        let encoder = try String(contentsOf: Fixtures.url("gpt2-subset/encoder.json"), encoding: .utf8)
        let merges = try String(contentsOf: Fixtures.url("gpt2-subset/vocab.bpe"), encoding: .utf8)
        func load(_ encoderText: String, _ mergesText: String) -> TokenizerFileError? {
            let e = try! Fixtures.temporaryFile("encoder.json", encoderText)
            let m = try! Fixtures.temporaryFile("vocab.bpe", mergesText)
            return thrownError(TokenizerFileError.self) { _ = try GPT2Tokenizer(encoderJSON: e, vocabBPE: m) }
        }
        let truncated = load(String(encoder.prefix(500)), merges)
        #expect(truncated?.message.hasPrefix("invalid JSON") == true)
        #expect(truncated?.line == 1)
        let wrongID = load(encoder.replacingOccurrences(of: "\"!\": 0,", with: "\"!\": 7,"), merges)
        #expect(wrongID?.message == "token \"!\" has id 7, but vocab.bpe makes it rank 0")
        let notAnInteger = load(encoder.replacingOccurrences(of: "\"!\": 0,", with: "\"!\": \"zero\","), merges)
        #expect(notAnInteger?.message == "expected a non-negative integer id for token \"!\"")
        var mergeLines = merges.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        mergeLines[3] = "Ġ"
        let badMerge = load(encoder, mergeLines.joined(separator: "\n"))
        #expect(badMerge?.line == 4)
        #expect(badMerge?.message == "expected '<left> <right>' (two tokens separated by one space), found 'Ġ'")
        #expect(badMerge?.path.hasSuffix("vocab.bpe") == true)
        mergeLines[3] = "Ġ t"
        let duplicate = load(encoder, mergeLines.joined(separator: "\n"))
        #expect(duplicate?.message == "merge 'Ġ t' makes token \"Ġt\", which already has rank 256")
        let missing = load(encoder.replacingOccurrences(of: ", \"\\u0120t\": 256", with: ""), merges)
        #expect(missing?.message == "has no id for token \"Ġt\" (rank 256 in vocab.bpe)")
    }

    @Test func mutatedFilesThrowInsteadOfCrashing() throws {
        let merges = try Data(contentsOf: Fixtures.url("gpt2-subset/vocab.bpe"))
        let encoder = try Data(contentsOf: Fixtures.url("gpt2-subset/encoder.json"))
        let bundled = try GPT2Tokenizer.bundled()
        let ranks = try (Int32(0)..<400).map { "\(Data(try bundled.decodeBytes([$0])).base64EncodedString()) \($0)" }
        let ranksFile = Array(ranks.joined(separator: "\n").utf8)
        var generator = SeededGenerator(seed: 7)
        var failures = 0
        for round in 0..<150 {
            let r = try Fixtures.temporaryFile("m.tiktoken", Mutation.apply(ranksFile, round: round, using: &generator))
            let e = try Fixtures.temporaryFile("encoder.json", Mutation.apply(Array(encoder), round: round, using: &generator))
            let m = try Fixtures.temporaryFile("vocab.bpe", Mutation.apply(Array(merges), round: round, using: &generator))
            do { _ = try GPT2Tokenizer(tiktokenFile: r) } catch is TokenizerFileError { failures += 1 }
            do { _ = try GPT2Tokenizer(encoderJSON: e, vocabBPE: m) } catch is TokenizerFileError { failures += 1 }
        }
        #expect(failures > 150)
    }
}
