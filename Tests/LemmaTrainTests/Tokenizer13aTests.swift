import Foundation
import LemmaTrain
import Testing

/// sacrebleu's 13a tokenization and BLEU on detokenized text, against sacrebleu 2.6 (fixtures made by
/// scripts/make_bleu13a_fixtures.py).
struct Tokenizer13aTests {
    struct Fixture: Decodable {
        struct Line: Decodable { let text: String; let tokens: [String] }
        struct Corpus: Decodable {
            let hypotheses: [String], references: [String]
            let score: Double, precisions: [Double], bp: Double
            let sys_len: Int, ref_len: Int
        }
        let tokenized: [Line]
        let corpus: Corpus
    }

    static func fixture() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/bleu13a.json", withExtension: nil), "bleu13a.json missing")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    @Test func tokensEqualSacrebleus() throws {
        let fixture = try Self.fixture()
        #expect(fixture.tokenized.count >= 10)
        for line in fixture.tokenized {
            let tokens = Tokenizer13a.tokenize(line.text).map { String(decoding: $0, as: UTF8.self) }
            #expect(tokens == line.tokens, "\(line.text.debugDescription)")
        }
    }

    @Test func corpusBLEUOnTextEqualsSacrebleus() throws {
        let corpus = try Self.fixture().corpus
        var bleu = CorpusBLEU()
        for (hypothesis, reference) in zip(corpus.hypotheses, corpus.references) {
            bleu.add(hypothesisText: hypothesis, referenceTexts: [reference])
        }
        let score = bleu.score()
        expectClose(score.score, corpus.score, "score")
        expectClose(score.precisions, corpus.precisions, "precisions")
        expectClose(score.brevityPenalty, corpus.bp, "brevity penalty")
        #expect(score.hypothesisLength == corpus.sys_len && score.referenceLength == corpus.ref_len)
    }
}
