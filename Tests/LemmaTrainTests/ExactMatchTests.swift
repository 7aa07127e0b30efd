import LemmaTrain
import Testing

struct ExactMatchTests {
    @Test func countsWholeSequenceEquality() {
        var exact = ExactMatch()
        exact.add(hypotheses: [[1, 2, 3], [1, 2], [Int32]()], references: [[1, 2, 3], [1, 2, 3], []])
        #expect(exact.matches == 2 && exact.count == 3)
        exact.add(hypothesis: [4], reference: [5])
        #expect(exact.rate == 0.5)
        #expect(ExactMatch.rate(hypotheses: [["x"], ["y", "z"]], references: [["x"], ["z", "y"]]) == 0.5)
        #expect(ExactMatch().rate == 0)
    }
}
