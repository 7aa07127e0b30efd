import Foundation
import LemmaText
import Testing

@Suite struct LaTeXTokenizerTests {
    static let splitter = LaTeXTokenizer(vocabulary: Vocabulary(tokens: ["<pad>", "<unk>"]))

    @Test func rawLaTeXRules() {
        #expect(Self.splitter.split(#"\frac{a}{b}"#) == [#"\frac"#, "{", "a", "}", "{", "b", "}"])
        #expect(Self.splitter.split(#"x_{i}^2 & \alpha2\,\{\}\\ \ a"#)
                == ["x", "_", "{", "i", "}", "^", "2", "&", #"\alpha"#, "2", #"\,"#, #"\{"#, #"\}"#, #"\\"#, #"\"#, "a"])
        #expect(Self.splitter.split("\\") == ["\\"])
        #expect(Self.splitter.split(#"\operatorname*{ab}"#) == [#"\operatorname"#, "*", "{", "a", "b", "}"])
        #expect(Self.splitter.split("  \t\n ") == [])
        #expect(Self.splitter.split("∑αé") == ["∑", "α", "é"])
    }

    @Test func normalizedFormulasSplitAsTheirSpacesSayExceptCompoundTokens() throws {
        let formulas = try Self.formulas()
        #expect(formulas.count >= 20)
        let whitespace = LaTeXTokenizer(vocabulary: Vocabulary(tokens: []), splitting: .whitespace)
        for formula in formulas {
            let spaced = whitespace.split(formula)
            let raw = Self.splitter.split(formula)
            // Every space-separated token splits into the raw tokens, in order.
            #expect(spaced.flatMap { Self.splitter.split($0) } == raw, "\(formula)")
            // Joining raw tokens with spaces and splitting again changes nothing.
            #expect(Self.splitter.split(raw.joined(separator: " ")) == raw)
            for token in spaced where token.hasPrefix("\\") && token.dropFirst().allSatisfy(\.isLetter) {
                #expect(Self.splitter.split(token) == [token])
            }
        }
    }

    @Test func vocabularyFromFormulas() throws {
        let formulas = try Self.formulas()
        let tokenizer = LaTeXTokenizer(buildingFrom: formulas, specialTokens: ["<pad>", "<unk>", "<bos>", "<eos>"])
        #expect(Array(tokenizer.vocabulary.tokens.prefix(4)) == ["<pad>", "<unk>", "<bos>", "<eos>"])
        let counts = Array(tokenizer.vocabulary.counts.dropFirst(4))
        #expect(counts == counts.sorted(by: >))
        #expect(counts.first == formulas.flatMap { Self.splitter.split($0) }.filter { $0 == tokenizer.vocabulary.tokens[4] }.count)
        for formula in formulas {
            let ids = tokenizer.encode(formula)
            #expect(!ids.contains(1))
            #expect(try tokenizer.decode(ids) == Self.splitter.split(formula).joined(separator: " "))
        }
        let normalized = LaTeXTokenizer(buildingFrom: formulas, splitting: .whitespace)
        #expect(normalized.vocabulary.id(#"\left("#) != nil || !formulas.contains { $0.contains(#"\left("#) })
    }

    /// The im2latex test formulas from /work/shared, else a few written here.
    static func formulas() throws -> [String] {
        if let shared = Fixtures.sharedDirectory {
            let url = shared.appendingPathComponent("data/im2latex-100k/test.formulas.norm.lst")
            if let text = try? String(contentsOf: url, encoding: .utf8) {
                return text.split(separator: "\n").map(String.init)
            }
        }
        return [
            #"\alpha _ { 1 } ^ { r } \gamma _ { 1 } + \dots + \alpha _ { N } ^ { r } \gamma _ { N } = 0 \quad ( r = 1 , . . . , R ) \; ,"#,
            #"\eta = - \frac { 1 } { 2 } \operatorname { l n } \left( \frac { \operatorname { c o s h } } { \sqrt { 2 } } \right)"#,
            #"P _ { ( 2 ) } ^ { - } = \int \beta d \beta \Phi ( - p , - \lambda ) \left( - \frac { p ^ { I } } { 2 \beta } \right) \, ."#,
        ] + (0..<20).map { n in "x _ { \\# } ^ { \\{ \(n) \\} } \\\\ \\begin{array} { l } a & b \\end{array}" }
    }
}
