import Foundation
import LemmaText
import Testing

/// What later code relies on when it holds `any Tokenizer`.
@Suite struct TokenizerProtocolTests {
    static let all: [(String, any Tokenizer)] = [
        ("gpt2", try! GPT2Tokenizer.bundled()),
        ("wordpiece", try! WordPieceTokenizer(vocabFile: Fixtures.url("bert-uncased-vocab.txt"))),
        ("word", WordTokenizer(buildingFrom: ["the cat sat on the mat ."])),
        ("character", CharacterTokenizer(buildingFrom: ["the cat sat on the mat."])),
        ("latex", LaTeXTokenizer(buildingFrom: [#"\frac { a } { b } + x ^ 2"#])),
    ]

    @Test func tokensAndIDsAgree() throws {
        for (name, tokenizer) in Self.all {
            let text = "the cat sat on the mat."
            let tokens = tokenizer.tokens(text)
            #expect(!tokens.isEmpty, "\(name)")
            for token in tokens {
                let id = try #require(tokenizer.id(forToken: token), "\(name): \(token)")
                #expect(tokenizer.token(forID: id) == token, "\(name)")
                #expect(Int(id) < tokenizer.vocabularySize, "\(name)")
            }
            #expect(tokenizer.token(forID: Int32(tokenizer.vocabularySize)) == nil, "\(name)")
            #expect(throws: TokenizerError.self) { try tokenizer.decode([Int32(tokenizer.vocabularySize)]) }
        }
    }

    @Test func maxLengthThroughTheProtocolUsesEachTokenizersRule() {
        for (name, tokenizer) in Self.all {
            let text = "the cat sat on the mat the cat sat on the mat"
            let cut = tokenizer.encode(text, maxLength: 5)
            #expect(cut.ids.count == 5, "\(name)")
            #expect(cut.attentionMask == [1, 1, 1, 1, 1], "\(name)")
            let padded = tokenizer.encode("a", maxLength: 8, padToMaxLength: true)
            #expect(padded.ids.count == 8 && padded.attentionMask.last == 0, "\(name)")
        }
        let bert: any Tokenizer = Self.all[1].1
        // BERT keeps [SEP] at the end when it truncates, also when called through the protocol.
        #expect(bert.encode("one two three four five", maxLength: 4).ids == [101, 2028, 2048, 102])
        #expect(bert.encode("one", maxLength: 4, padToMaxLength: true).ids == [101, 2028, 102, 0])
    }
}
