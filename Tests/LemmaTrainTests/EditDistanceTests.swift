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
}
