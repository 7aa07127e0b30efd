import Foundation
import LemmaTrain
import Testing

struct EditDistanceTests {
    @Test func handComputedDistances() {
        #expect(EditDistance.between(Array("kitten"), Array("sitting")) == 3)
        #expect(EditDistance.between(Array("sitting"), Array("kitten")) == 3)
        #expect(EditDistance.between([Int32](), [1, 2, 3]) == 3)
        #expect(EditDistance.between([1, 2, 3], [Int]()) == 3)
        #expect(EditDistance.between([Int](), []) == 0)
        let formula = ["\\frac", "{", "a", "}", "{", "b", "}"]
        #expect(EditDistance.between(formula, formula.map { $0 == "b" ? "c" : $0 }) == 1)
        #expect(EditDistance.between([1, 2, 3, 4], [2, 3, 4, 5]) == 2)   // delete 1, insert 5
        #expect(EditDistance.between([1, 2, 3], [3, 2, 1]) == 2)          // two substitutions
        #expect(EditDistance.between([7, 7, 7], [7]) == 2)
    }

    @Test func normalizedByReferenceLength() {
        #expect(EditDistance.normalized(hypothesis: Array("kitten"), reference: Array("sitting")) == 3.0 / 7)
        #expect(EditDistance.normalized(hypothesis: [1, 2], reference: [1]) == 1)
        #expect(EditDistance.normalized(hypothesis: [Int](), reference: []) == 0)
        #expect(EditDistance.normalized(hypothesis: [1], reference: []) == .infinity)
    }

    @Test func corpusRateIsTotalEditsOverTotalReferenceTokens() {
        var distance = EditDistance()
        distance.add(hypothesis: Array("kitten"), reference: Array("sitting"))   // 3 edits, 7 tokens
        var other = EditDistance()
        other.add(hypotheses: [Array("abcd"), Array("")], references: [Array("abce"), Array("xyz")])  // 1 of 4, 3 of 3
        distance.merge(other)
        #expect(distance.count == 3)
        #expect(distance.totalEdits == 7 && distance.totalReferenceLength == 14)
        #expect(distance.corpusRate == 0.5)
        expectClose(distance.meanNormalized, (3.0 / 7 + 0.25 + 1) / 3, "mean normalized")
        expectClose(distance.meanEdits, 7.0 / 3, "mean edits")
        #expect(EditDistance().corpusRate == 0 && EditDistance().meanNormalized == 0)
    }

    struct Fixture: Decodable {
        struct Case: Decodable {
            var hypotheses: [[String]]
            var references: [[String]]
            var edits: Int
            var longer: Int
            var im2markup_accuracy: Double
        }
        var cases: [Case]
    }

    /// im2latex's `edit_distance` against im2markup's own evaluate_text_edit_distance.py
    /// (scripts/make_edit_distance_fixtures.py → Fixtures/edit_distance_references.json).
    @Test func im2markupAccuracyEqualsIm2markupsScript() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/edit_distance_references.json", withExtension: nil),
                               "edit_distance_references.json missing")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        #expect(fixture.cases.count == 7)
        for (i, c) in fixture.cases.enumerated() {
            var distance = EditDistance()
            distance.add(hypotheses: c.hypotheses, references: c.references)
            #expect(distance.totalEdits == c.edits && distance.totalLongerLength == c.longer, "case \(i)")
            // The script logs six decimals.
            #expect(Swift.abs(distance.im2markupAccuracy - c.im2markup_accuracy) <= 5e-7, "case \(i): \(distance.im2markupAccuracy) against \(c.im2markup_accuracy)")
        }
        #expect(EditDistance().im2markupAccuracy == 1)
    }
}
