import Foundation
import LemmaText
import Testing

@Suite struct WordAndCharacterTokenizerTests {
    @Test func wordSplitterKeepsLetterDigitRunsAndSplitsEachPunctuationMark() {
        #expect(WordSplitter.split("Hello, world! x2 = 3.5") == ["Hello", ",", "world", "!", "x2", "=", "3", ".", "5"])
        #expect(WordSplitter.split("don't\tstop...\n") == ["don", "'", "t", "stop", ".", ".", "."])
        #expect(WordSplitter.split("cafe\u{301} naïve हिन्दी") == ["cafe\u{301}", "naïve", "हिन्दी"])
        #expect(WordSplitter.split("a\u{200B}b 👍🏽!") == ["a", "b", "👍", "🏽", "!"])
        #expect(WordSplitter.split("می\u{200C}خواهم") == ["می\u{200C}خواهم"])
        #expect(WordSplitter.split("") == [])
        #expect(WordSplitter.split(" \u{00A0}\u{3000} ") == [])
    }

    @Test func wordTokenizerLowercasesWhenAsked() throws {
        let tokenizer = WordTokenizer(buildingFrom: ["The cat. the CAT"], lowercase: true)
        #expect(tokenizer.vocabulary.tokens == ["<pad>", "<unk>", "cat", "the", "."])
        #expect(tokenizer.encode("THE Cat sat") == [3, 2, 1])
        #expect(try tokenizer.decode([3, 2, 0, 0]) == "the cat")
        let cased = WordTokenizer(buildingFrom: ["The the"])
        #expect(cased.vocabulary.tokens == ["<pad>", "<unk>", "The", "the"])
    }

    @Test func paddingAndBoundaryTokens() throws {
        let tokenizer = WordTokenizer(buildingFrom: ["a b c"], specialTokens: ["<pad>", "<unk>", "<bos>", "<eos>"])
        #expect(tokenizer.encode("a c", addBOS: true, addEOS: true) == [2, 4, 6, 3])
        let encoded = tokenizer.encode("a b c a", maxLength: 6, padToMaxLength: true)
        #expect(encoded.ids == [4, 5, 6, 4, 0, 0])
        #expect(encoded.attentionMask == [1, 1, 1, 1, 0, 0])
        #expect(tokenizer.encode("a b c", maxLength: 2).ids == [4, 5])
        #expect(try tokenizer.decode([2, 4, 5, 3, 0]) == "a b")
        #expect(thrownError(TokenizerError.self) { _ = try tokenizer.decode([7]) } == .unknownID(7, vocabularySize: 7))
    }

    @Test func characterTokenizerUsesUnicodeScalarsAndRoundTrips() throws {
        let text = "e\u{301}👨‍👩‍👧 a\n"
        let tokenizer = CharacterTokenizer(buildingFrom: [text])
        #expect(tokenizer.split("e\u{301}") == ["e", "\u{301}"])
        #expect(tokenizer.split("👨‍👩") == ["👨", "\u{200D}", "👩"])
        #expect(tokenizer.vocabularySize == 2 + 9)
        let decoded = try tokenizer.decode(tokenizer.encode(text))
        #expect(sameScalars(decoded, text))
        #expect(tokenizer.tokens("zé") == ["<unk>", "<unk>"])
        #expect(tokenizer.encode("z") == [1])
    }

    @Test func whitespaceTokenizerKeepsPreTokenizedSymbolsWhole() throws {
        let formula = "( A e. V -> ( F |` A ) C_ ( x e. A |-> B ) )"
        let tokenizer = WhitespaceTokenizer(vocabulary: Vocabulary(tokens: Vocabulary.defaultSpecialTokens + ["(", ")", "A", "e.", "|`", "C_"]))
        #expect(tokenizer.split(formula) == ["(", "A", "e.", "V", "->", "(", "F", "|`", "A", ")", "C_", "(", "x", "e.", "A", "|->", "B", ")", ")"])
        #expect(tokenizer.split(" a\tb\n  c ") == ["a", "b", "c"])
        // Unknown symbols are <unk> (id 1); decoding joins with spaces and leaves out padding.
        #expect(tokenizer.encode("( V |` A )") == [2, 1, 6, 4, 3])
        #expect(try tokenizer.decode([0, 2, 6, 3]) == "( |` )")
        // The word tokenizer, by contrast, cuts these symbols at their punctuation.
        #expect(WordTokenizer(vocabulary: Vocabulary(tokens: [])).split("|`").count > 1)
    }
}
