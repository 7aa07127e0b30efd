import Foundation
import LemmaTrain
import Testing

/// FastaiCorpusBLEU against fastai's own CorpusBLEUMetric (scripts/make_fastai_bleu_fixtures.py →
/// Fixtures/fastai_bleu.json), with and without its smoothing.
struct FastaiCorpusBLEUTests {
    struct Fixture: Decodable {
        struct Batch: Decodable {
            var predictions: [[Int]]
            var targets: [[Int]]
        }
        struct Case: Decodable {
            var batches: [Batch]
            var smoothed: Double
            var unsmoothed: Double?
        }
        var version: String
        var cases: [Case]
    }

    static func fixture() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/fastai_bleu.json", withExtension: nil), "fastai_bleu.json missing")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    static func value(_ c: Fixture.Case, smoothing: Bool) -> Double {
        var bleu = FastaiCorpusBLEU(smoothing: smoothing)
        for batch in c.batches {
            for (prediction, target) in zip(batch.predictions, batch.targets) { bleu.add(prediction: prediction, target: target) }
        }
        return bleu.value
    }

    @Test func matchesFastaisCorpusBLEUMetric() throws {
        let fixture = try Self.fixture()
        #expect(fixture.cases.count == 7 && fixture.cases.allSatisfy { $0.unsmoothed != nil })
        for (i, c) in fixture.cases.enumerated() {
            #expect(Swift.abs(Self.value(c, smoothing: true) - c.smoothed) < 1e-9, "case \(i) (fastai \(fixture.version))")
            let unsmoothed = try #require(c.unsmoothed)
            #expect(Swift.abs(Self.value(c, smoothing: false) - unsmoothed) < 1e-9, "case \(i) unsmoothed")
        }
        // The first four cases have sentences that miss whole orders, where the smoothing matters (two of them
        // miss an order in every sentence: 0 without it); the last three match every order, where it does not.
        #expect(fixture.cases.prefix(4).allSatisfy { $0.unsmoothed! < $0.smoothed })
        #expect(fixture.cases.prefix(4).filter { $0.unsmoothed! == 0 }.count == 2)
        #expect(fixture.cases.suffix(3).allSatisfy { $0.unsmoothed! == $0.smoothed })
    }

    @Test func edgeCases() {
        var empty = FastaiCorpusBLEU()
        #expect(empty.value == 0)
        empty.add(prediction: [1, 2], target: [1, 2])  // no 3- or 4-grams anywhere: fastai would divide by zero
        #expect(empty.value == 0)
        var exact = FastaiCorpusBLEU()
        exact.add(prediction: [3, 4, 5, 6, 7], target: [3, 4, 5, 6, 7])
        #expect(exact.value == 1)
        // Half the length: every n-gram right, brevity penalty e^(1 − 10/5).
        var short = FastaiCorpusBLEU()
        short.add(prediction: [3, 4, 5, 6, 7], target: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        #expect(Swift.abs(short.value - exp(-1.0)) < 1e-12)
    }
}
