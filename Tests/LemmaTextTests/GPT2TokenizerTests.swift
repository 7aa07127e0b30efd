import Foundation
import LemmaText
import Testing

@Suite struct GPT2TokenizerTests {
    static let tokenizer = try! GPT2Tokenizer.bundled()

    @Test func idsEqualTiktokenOnEveryFixtureText() throws {
        #expect(Fixtures.gpt2.count > 400)
        let cached = Self.tokenizer
        let uncached = cached.cachingWords(false)
        for c in Fixtures.gpt2 {
            #expect(uncached.encode(c.text) == c.ids, "\(c.text.debugDescription)")
            // Twice through the cache: the first call fills it, the second reads it.
            #expect(cached.encode(c.text) == c.ids, "\(c.text.debugDescription)")
            #expect(cached.encode(c.text) == c.ids, "\(c.text.debugDescription) (cached)")
        }
    }

    @Test func allowedSpecialTokensBecomeTheirIDs() throws {
        let withSpecial = Fixtures.gpt2.filter { $0.idsAllowedSpecial != nil }
        #expect(withSpecial.count >= 5)
        for c in withSpecial {
            #expect(Self.tokenizer.encode(c.text, allowedSpecial: [GPT2Tokenizer.endOfText]) == c.idsAllowedSpecial!,
                    "\(c.text.debugDescription)")
        }
        #expect(Self.tokenizer.encode("a<|endoftext|>b", allowedSpecial: [GPT2Tokenizer.endOfText]) == [64, 50256, 65])
        // Not allowed: the text is ordinary text, never id 50256.
        #expect(!Self.tokenizer.encode("a<|endoftext|>b").contains(50256))
    }

    @Test func decodeGivesBackTheExactBytes() throws {
        var texts = Fixtures.gpt2.map(\.text)
        var generator = SystemRandomNumberGenerator()
        let scalars: [Unicode.Scalar] = ["a", " ", "\n", "\u{301}", "\u{a0}", "é", "中", "\u{1F600}", "\u{200D}", "'", "\u{0}", "\u{10FFFF}"]
        for _ in 0..<200 {
            var view = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0..<40, using: &generator) { view.append(scalars.randomElement(using: &generator)!) }
            texts.append(String(view))
        }
        for text in texts {
            let ids = Self.tokenizer.encode(text)
            #expect(try Self.tokenizer.decodeBytes(ids) == Array(text.utf8), "\(text.debugDescription)")
            #expect(sameScalars(try Self.tokenizer.decode(ids), text))
        }
        let special = Self.tokenizer.encode("x<|endoftext|>y", allowedSpecial: [GPT2Tokenizer.endOfText])
        #expect(try Self.tokenizer.decode(special) == "x<|endoftext|>y")
    }

    @Test func decodeOfACutCharacterUsesTheReplacementCharacter() throws {
        #expect(try Self.tokenizer.decodeBytes(Self.tokenizer.encode("é")) == [0xC3, 0xA9])
        // The token of the single byte 0xC3, the first half of "é".
        let first = try #require(Self.tokenizer.id(forToken: ByteLevelStandIn.string([0xC3])))
        #expect(try Self.tokenizer.decodeBytes([first]) == [0xC3])
        #expect(try Self.tokenizer.decode([first]) == "\u{FFFD}")
        #expect(try Self.tokenizer.decode([first, first]) == "\u{FFFD}\u{FFFD}")
    }

    @Test func unknownIDsThrow() {
        let error = thrownError(TokenizerError.self) { _ = try Self.tokenizer.decode([15496, 50257]) }
        #expect(error == .unknownID(50257, vocabularySize: 50257))
        #expect(error?.description == "unknown token id 50257: the vocabulary has ids 0..<50257")
        #expect(thrownError(TokenizerError.self) { _ = try Self.tokenizer.decode([-1]) } != nil)
    }

    @Test func vocabularyAndSpecialTokens() {
        let t = Self.tokenizer
        #expect(t.vocabularySize == 50257)
        #expect(t.specialTokens == ["<|endoftext|>": 50256])
        #expect(t.specialTokenIDs == SpecialTokenIDs(bos: 50256, eos: 50256))
        #expect(t.id(forToken: "<|endoftext|>") == 50256)
        #expect(t.token(forID: 50256) == "<|endoftext|>")
        #expect(t.id(forToken: "Ġworld") == 995)
        #expect(t.token(forID: 995) == "Ġworld")
        #expect(t.id(forToken: "no such token here") == nil)
        #expect(t.token(forID: 50257) == nil)
        #expect(t.tokens("Hello world!") == ["Hello", "Ġworld", "!"])
        #expect(t.encode("Hello world!") == [15496, 995, 0])
    }

    @Test func truncationAndPaddingUseEndOfText() {
        let encoded = Self.tokenizer.encode("Hello world! How are you?", maxLength: 4, padToMaxLength: true)
        #expect(encoded.ids == [15496, 995, 0, 1374])
        #expect(encoded.attentionMask == [1, 1, 1, 1])
        let padded = Self.tokenizer.encode("Hello", maxLength: 3, padToMaxLength: true)
        #expect(padded.ids == [15496, 50256, 50256])
        #expect(padded.attentionMask == [1, 0, 0])
    }

    @Test func longPiecesRoundTripAndMerge() throws {
        // Pieces past 128 bytes take the heap-based merge; the fixture's long texts compare its ids with
        // tiktoken's, and here a 480-byte piece must come back exactly and actually merge.
        let word = "unbelievably"
        let long = String(repeating: word, count: 40)
        let ids = Self.tokenizer.cachingWords(false).encode(long)
        #expect(try Self.tokenizer.decodeBytes(ids) == Array(long.utf8))
        #expect(ids.count < long.utf8.count / 2)
    }

    @Test func concurrentEncodingGivesTheSameIDs() async {
        let cases = Array(Fixtures.gpt2.prefix(200))
        let tokenizer = Self.tokenizer
        await withTaskGroup(of: Bool.self) { group in
            for chunk in 0..<8 {
                group.addTask {
                    cases.enumerated().allSatisfy { index, c in index % 8 != chunk || tokenizer.encode(c.text) == c.ids }
                }
            }
            for await ok in group { #expect(ok) }
        }
    }
}

/// GPT-2's printable stand-ins for bytes, written independently of LemmaText's table.
enum ByteLevelStandIn {
    static func string(_ bytes: [UInt8]) -> String {
        let visible = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        let others = (0..<256).filter { !visible.contains($0) }
        var view = String.UnicodeScalarView()
        for byte in bytes {
            let value = visible.contains(Int(byte)) ? UInt32(byte) : UInt32(256 + others.firstIndex(of: Int(byte))!)
            view.append(Unicode.Scalar(value)!)
        }
        return String(view)
    }
}
