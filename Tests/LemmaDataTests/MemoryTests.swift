import Foundation
import LemmaData
import LemmaTensor
import Testing

/// Peak memory when reading a large GloVe-style text file, which must stay near the matrix it makes.
/// Off by default; run each test in its own process (peak RSS is per process) on a generated file:
///
///     python3 -c "import numpy as np; np.savetxt('/tmp/v.txt', np.random.default_rng(0).normal(size=(400000, 300)), fmt='%.5f')"
///     awk '{print "w" NR-1 " " $0}' /tmp/v.txt > /tmp/glove-400k-300d.txt
///     LEMMA_BIG_VECTORS=/tmp/glove-400k-300d.txt swift test -c release --filter MemoryTests/readAll
///     LEMMA_BIG_VECTORS=/tmp/glove-400k-300d.txt swift test -c release --filter MemoryTests/matching
@Suite(.enabled(if: ProcessInfo.processInfo.environment["LEMMA_BIG_VECTORS"] != nil))
struct MemoryTests {
    let path = ProcessInfo.processInfo.environment["LEMMA_BIG_VECTORS"] ?? ""

    /// Peak resident memory of this process so far, in bytes.
    func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    @Test func readAllNeedsAtMostTwiceTheMatrix() throws {
        let before = peakResidentBytes()
        let start = Date()
        let vectors = try TextVectorFile(path: path).readAll()
        let seconds = Date().timeIntervalSince(start)
        let matrixBytes = vectors.count * vectors.dimension * 4
        let growth = peakResidentBytes() - before
        print("readAll: \(vectors.count) × \(vectors.dimension) in \(String(format: "%.1f", seconds)) s; matrix \(matrixBytes >> 20) MiB, peak RSS grew \(growth >> 20) MiB (\(String(format: "%.2f", Double(growth) / Double(matrixBytes)))×)")
        #expect(growth <= 2 * matrixBytes)
    }

    @Test func matchingKeepsOnlyTheVocabularyRows() throws {
        let vocabulary = (0..<20_000).map { "w\($0 * 20)" } + (0..<1000).map { "unknown\($0)" }
        let before = peakResidentBytes()
        let start = Date()
        let match = try EmbeddingMatcher().match(vocabulary, from: try TextVectorFile(path: path))
        let seconds = Date().timeIntervalSince(start)
        let matrixBytes = match.matrix.count * 4
        let growth = peakResidentBytes() - before
        print("matching: \(match.report.found) of \(match.report.total) found in \(String(format: "%.1f", seconds)) s; output \(matrixBytes >> 20) MiB, peak RSS grew \(growth >> 20) MiB")
        #expect(match.report.found == 20_000)
        #expect(growth <= matrixBytes + (64 << 20))
    }
}
