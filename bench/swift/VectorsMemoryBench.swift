import Foundation
import Lemma

/// Peak memory and time of reading a large GloVe-style text file (which must stay within ~2× the matrix it
/// makes), and of matching it to a 21,000-word vocabulary (which keeps only the needed rows). Peak RSS is
/// per process, so each part runs in its own: `lemma-bench vectors-read PATH`, `lemma-bench vectors-match PATH`.
/// A 400,000 × 300 file:
///
///     python3 -c "import numpy as np; np.savetxt('/tmp/v.txt', np.random.default_rng(0).normal(size=(400000, 300)), fmt='%.5f')"
///     awk '{print "w" NR-1 " " $0}' /tmp/v.txt > /tmp/glove-400k-300d.txt
func benchVectorsRead() {
    measureVectorMemory(matching: false)
}

func benchVectorsMatch() {
    measureVectorMemory(matching: true)
}

private func measureVectorMemory(matching: Bool) {
    guard let path = CommandLine.arguments.dropFirst(2).first(where: { !$0.hasPrefix("-") }) else {
        FileHandle.standardError.write(Data("lemma-bench vectors-read|vectors-match PATH: a GloVe-style text file\n".utf8))
        exit(2)
    }
    func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
    let before = peakResidentBytes()
    let start = Date()
    do {
        if matching {
            let vocabulary = (0..<20_000).map { "w\($0 * 20)" } + (0..<1000).map { "unknown\($0)" }
            let match = try EmbeddingMatcher().match(vocabulary, from: try TextVectorFile(path: path))
            let bytes = match.matrix.count * 4
            report(["workload": "match vectors to 21,000 words", "impl": "lemma", "seconds": Date().timeIntervalSince(start),
                    "output_mib": bytes >> 20, "peak_rss_growth_mib": (peakResidentBytes() - before) >> 20,
                    "found": match.report.found])
        } else {
            let vectors = try TextVectorFile(path: path).readAll()
            let bytes = vectors.count * vectors.dimension * 4
            let growth = peakResidentBytes() - before
            report(["workload": "read \(vectors.count) x \(vectors.dimension) text vectors", "impl": "lemma",
                    "seconds": Date().timeIntervalSince(start), "matrix_mib": bytes >> 20,
                    "peak_rss_growth_mib": growth >> 20, "growth_over_matrix": Double(growth) / Double(bytes)])
        }
    } catch {
        FileHandle.standardError.write(Data("lemma-bench: \(error)\n".utf8))
        exit(1)
    }
}
