import Foundation
import LemmaData
import LemmaTrain
import Testing

/// im2latex's image metrics against im2markup's own evaluate_image.py, on formula pairs rendered by
/// scripts/make_image_match_fixtures.py (which runs that script): column edit distance, reference columns,
/// match and match without whitespace, pair by pair, and the corpus numbers.
struct ImageMatchTests {
    static func fixture(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/image_match/\(name)", withExtension: nil)!
    }

    @Test func everyPairScoresAsIm2markupScoresIt() throws {
        let rows = try String(contentsOf: Self.fixture("expected.tsv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 12)
        var corpus = ImageMatch()
        var expectedEdits = 0, expectedReference = 0, expectedMatches = 0, expectedWithoutSpace = 0
        for row in rows {
            let f = row.split(separator: "\t").map(String.init)
            let gold = try PNGCodec.read(Self.fixture("\(f[0]).gold.png"))
            let predictedURL = Bundle.module.url(forResource: "Fixtures/image_match/\(f[0]).pred.png", withExtension: nil)
            let predicted = try predictedURL.map { try PNGCodec.read($0) }
            let result = ImageMatch.compare(gold: gold, predicted: predicted)
            #expect(result.edits == Int(f[1]) && result.reference == Int(f[2]), "\(f[0]): \(result)")
            #expect(result.match == (f[3] == "1") && result.matchWithoutSpace == (f[4] == "1"), "\(f[0]): \(result)")
            corpus.add(gold: gold, predicted: predicted)
            expectedEdits += Int(f[1])!
            expectedReference += Int(f[2])!
            expectedMatches += Int(f[3])!
            expectedWithoutSpace += Int(f[4])!
        }
        #expect(corpus.edits == expectedEdits && corpus.reference == expectedReference)
        #expect(corpus.matches == expectedMatches && corpus.matchesWithoutSpace == expectedWithoutSpace)
        #expect(abs(corpus.editScore - (1 - Double(expectedEdits) / Double(expectedReference))) < 1e-12)
    }
}
