import Foundation
import LemmaTrain
import Testing

/// Unsmoothed corpus BLEU-4 (what im2latex reports) against Moses' multi-bleu.perl as im2markup runs it and
/// nltk's corpus_bleu (scripts/make_bleu_reference_fixtures.py → Fixtures/bleu_references.json).
struct BLEUReferenceTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            var hypotheses: [[String]]
            var references: [[String]]
            var nltk: Double
            var multi_bleu: Double
        }
        var cases: [Case]
    }

    @Test func unsmoothedBLEUEqualsMultiBleuPerlAndNLTK() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/bleu_references.json", withExtension: nil), "bleu_references.json missing")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        #expect(fixture.cases.count == 8)
        var comparedWithNLTK = 0
        for (i, c) in fixture.cases.enumerated() {
            let score = CorpusBLEU.score(hypotheses: c.hypotheses, references: c.references.map { [$0] }, smoothing: .none).score
            // multi-bleu.perl prints two decimals.
            #expect(Swift.abs(score - c.multi_bleu) <= 0.005 + 1e-9, "case \(i): \(score) against multi-bleu.perl's \(c.multi_bleu)")
            // nltk counts at least one n-gram per sentence and order (max(1, …)), so it agrees only where every
            // prediction has 4 tokens or more.
            if c.hypotheses.allSatisfy({ $0.count >= 4 }) {
                comparedWithNLTK += 1
                #expect(Swift.abs(score - c.nltk) < 1e-9, "case \(i): \(score) against nltk's \(c.nltk)")
            } else {
                #expect(c.nltk <= score + 1e-9, "case \(i)")  // (nltk gives 1e-152, not 0, where an order has no match)
            }
        }
        #expect(comparedWithNLTK == 3)
    }
}
