import Foundation
import LemmaTrain
import Testing

/// Every BLEU case against sacrebleu's BLEU(tokenize="none").corpus_score on the same tokens.
struct BLEUParityTests {
    static let cases = MetricFixtures.shared.bleu

    static func smoothing(_ options: MetricFixtures.BLEUCase.Options) -> BLEUSmoothing {
        switch options.smoothMethod {
        case "exp": return .exp
        case "none": return .none
        case "floor": return .floor(options.smoothValue!)
        case "add-k": return .addK(options.smoothValue!)
        default: fatalError("unknown smoothing \(options.smoothMethod)")
        }
    }

    static func score(_ c: MetricFixtures.BLEUCase) -> BLEUScore {
        CorpusBLEU.score(hypotheses: c.hypotheses.map { $0.map(Int32.init) },
                         references: c.references.map { $0.map { $0.map(Int32.init) } },
                         smoothing: smoothing(c.options), effectiveOrder: c.options.effectiveOrder)
    }

    @Test(arguments: cases)
    func scoreMatchesSacrebleu(_ c: MetricFixtures.BLEUCase) {
        let s = Self.score(c)
        expectClose(s.score, c.score, "\(c.name) score")
        expectClose(s.precisions, c.precisions, "\(c.name) precisions")
        expectClose(s.brevityPenalty, c.bp, "\(c.name) BP")
        #expect(s.hypothesisLength == c.sysLen && s.referenceLength == c.refLen, "\(c.name) lengths")
        // sacrebleu reports add-k counts and totals after adding k to orders 2 and up (unless nothing matched);
        // Lemma reports them as counted.
        var (counts, totals) = (c.counts, c.totals)
        if case .addK(let k) = Self.smoothing(c.options), c.counts.contains(where: { $0 != 0 }) {
            counts = counts.enumerated().map { $0 == 0 ? $1 : $1 - Int(k) }
            totals = totals.enumerated().map { $0 == 0 ? $1 : $1 - Int(k) }
        }
        #expect(s.matches == counts, "\(c.name) matches")
        #expect(s.totals == totals, "\(c.name) totals")
    }

    @Test(arguments: cases)
    func printedLineMatchesSacrebleu(_ c: MetricFixtures.BLEUCase) {
        #expect(Self.score(c).description == c.format)
    }

    /// String tokens give the numbers that ids give: n-grams compare tokens, whatever their type.
    @Test(arguments: cases.prefix(20))
    func stringTokensScoreLikeIds(_ c: MetricFixtures.BLEUCase) {
        let s = CorpusBLEU.score(hypotheses: c.hypotheses.map { $0.map { "t\($0)" } },
                                 references: c.references.map { $0.map { $0.map { "t\($0)" } } },
                                 smoothing: Self.smoothing(c.options), effectiveOrder: c.options.effectiveOrder)
        #expect(s == Self.score(c))
    }

    /// Segment by segment into two accumulators, merged, equals the one-shot score.
    @Test(arguments: cases.filter { $0.hypotheses.count >= 2 })
    func streamingAndMergingEqualOneShot(_ c: MetricFixtures.BLEUCase) {
        var first = CorpusBLEU(), second = CorpusBLEU()
        for (i, (h, r)) in zip(c.hypotheses, c.references).enumerated() {
            if i % 2 == 0 {
                first.add(hypothesis: h, references: r)
            } else {
                second.add(hypothesis: h, references: r)
            }
        }
        first.merge(second)
        #expect(first.segments == c.hypotheses.count)
        #expect(first.score(smoothing: Self.smoothing(c.options), effectiveOrder: c.options.effectiveOrder)
                == Self.score(c))
    }

    @Test func fixturesCoverTheEdgeCases() {
        let cases = Self.cases
        #expect(cases.count >= 40)
        #expect(cases.contains { $0.score == 0 && $0.precisions.contains { $0 > 0 } })  // short: no 4-grams
        #expect(cases.contains { $0.counts[3] == 0 && $0.totals[3] > 0 && $0.score > 0 })  // exp smoothing used
        #expect(cases.contains { $0.bp < 1 } && cases.contains { $0.sysLen == 0 })
        #expect(cases.contains { $0.references.contains { $0.count > 1 } })
        #expect(cases.contains { $0.hypotheses.contains { $0.isEmpty } })
        #expect(cases.contains { $0.score > 0 && $0.score < 100 && $0.options.effectiveOrder })
    }

    @Test func handComputedExample() {
        // 5 hypothesis tokens against 6: matches 4/5, 3/4, 2/3, 1/2; BP = exp(1 − 6/5).
        let s = CorpusBLEU.score(hypotheses: [[1, 2, 3, 4, 5]], references: [[[1, 2, 3, 4, 6, 7]]])
        #expect(s.matches == [4, 3, 2, 1] && s.totals == [5, 4, 3, 2])
        let expected = exp(1 - 6.0 / 5) * pow(0.8 * 0.75 * (2.0 / 3) * 0.5, 0.25) * 100
        expectClose(s.score, expected, "score")
        #expect(s.description == "BLEU = 54.75 80.0/75.0/66.7/50.0 (BP = 0.819 ratio = 0.833 hyp_len = 5 ref_len = 6)")
    }
}
