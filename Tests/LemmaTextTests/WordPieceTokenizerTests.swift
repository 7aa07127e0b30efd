import Foundation
import LemmaText
import Testing

@Suite struct WordPieceTokenizerTests {
    static let tokenizer = try! WordPieceTokenizer(vocabFile: Fixtures.url("bert-uncased-vocab.txt"))
    static let cases = try! Fixtures.cases("bert_cases.json", as: BertCase.self)

    @Test func idsEqualHuggingFaceOnEveryFixtureText() {
        #expect(Self.cases.count > 400)
        for c in Self.cases {
            #expect(Self.tokenizer.encode(c.text) == c.ids, "\(c.text.debugDescription)")
            #expect(Self.tokenizer.tokens(c.text) == c.tokens, "\(c.text.debugDescription)")
        }
    }

    @Test func decodeEqualsHuggingFace() throws {
        for c in Self.cases {
            let decoded = try Self.tokenizer.decode(c.ids)
            #expect(sameScalars(decoded, c.decoded), "\(c.text.debugDescription): \(decoded.debugDescription) vs \(c.decoded.debugDescription)")
        }
    }

    @Test func truncationAndPaddingEqualHuggingFace() {
        let fixed = Self.cases.filter { $0.ids16 != nil }
        #expect(fixed.count == 80)
        for c in fixed {
            let encoded = Self.tokenizer.encode(c.text, maxLength: 16, padToMaxLength: true)
            #expect(encoded.ids == c.ids16!, "\(c.text.debugDescription)")
            #expect(encoded.attentionMask == c.mask16!, "\(c.text.debugDescription)")
            #expect(encoded.tokenTypeIDs == Array(repeating: 0, count: 16))
        }
        let short = Self.tokenizer.encode("a b c d e", maxLength: 4)
        #expect(short.ids == [101, 1037, 1038, 102])
        #expect(short.attentionMask == [1, 1, 1, 1])
    }

    @Test func specialTokens() {
        let t = Self.tokenizer
        #expect(t.vocabularySize == 30522)
        #expect(t.specialTokenIDs == SpecialTokenIDs(pad: 0, unknown: 100, cls: 101, sep: 102, mask: 103))
        #expect(t.id(forToken: "[MASK]") == 103)
        #expect(t.token(forID: 2088) == "world")
        #expect(t.encode("hello [MASK] world") == [101, 7592, 103, 2088, 102])
        #expect(t.encode("x", addSpecialTokens: false) == [1060])
    }

    @Test func longWordsAreUnknown() {
        let word = String(repeating: "a", count: 100)
        #expect(!Self.tokenizer.encode(word, addSpecialTokens: false).contains(100))
        #expect(Self.tokenizer.encode(word + "a", addSpecialTokens: false) == [100])
    }

    @Test func normalizerSteps() {
        let uncased = BertNormalizer()
        #expect(uncased.normalize("Héllo\tWORLD\u{0}\u{FFFD}\u{200B}") == "hello world")
        #expect(uncased.normalize("中文") == " 中  文 ")
        let cased = BertNormalizer(lowercase: false)
        #expect(sameScalars(cased.normalize("Héllo"), "Héllo"))
        #expect(BertNormalizer.splitWords("don't  stop...now") == ["don", "'", "t", "stop", ".", ".", ".", "now"])
        #expect(BertNormalizer.splitWords("a¿b") == ["a", "¿", "b"])
        #expect(BertNormalizer.splitWords("$5 + 3") == ["$", "5", "+", "3"])
    }

    @Test func tokenizerJSONGivesTheIDsOfHuggingFace() throws {
        let cases = try Fixtures.cases("bert_mini_cases.json", as: BertMiniCase.self)
        #expect(cases.count > 300)
        for file in Set(cases.map(\.file)) {
            let tokenizer = try WordPieceTokenizer(tokenizerJSON: Fixtures.url("bert-mini/\(file)"))
            #expect(tokenizer.vocabularySize == 3281)
            for c in cases where c.file == file {
                #expect(tokenizer.encode(c.text) == c.ids, "\(file): \(c.text.debugDescription)")
            }
        }
        let cased = try WordPieceTokenizer(tokenizerJSON: Fixtures.url("bert-mini/cased-tokenizer.json"))
        #expect(cased.normalizer == BertNormalizer(lowercase: false, stripAccents: false))
    }
}
