import Foundation
import LemmaData
import LemmaTensor
import Testing

/// Building `[vocab, dim]` matrices from every kind of source, with fills, lower-case fallback, fastText
/// vectors for unknown words, and the coverage report.
struct EmbeddingMatcherTests {
    let vocabulary = ["the", "THE", "Lemma", "lemma", "LEMMA", "unknown", "naïve", "the"]
    let counts = [10, 5, 3, 2, 1, 7, 1, 10]

    func glove() throws -> TextVectorFile { try TextVectorFile(path: DataFixtures.path("vectors/glove.txt")) }

    func row(_ matrix: Tensor, _ i: Int) -> [Float] {
        let d = matrix.shape[1]
        return Array(matrix.scalars[(i * d)..<((i + 1) * d)])
    }

    @Test func exactMatchesZerosForMissesAndAReport() throws {
        let source = try glove()
        let all = try source.readAll()
        let match = try EmbeddingMatcher().match(vocabulary, counts: counts, from: source)
        #expect(match.matrix.shape == [8, 5])
        #expect(row(match.matrix, 0) == all.vector(for: "the"))
        #expect(row(match.matrix, 7) == all.vector(for: "the"))
        #expect(row(match.matrix, 2) == all.vector(for: "Lemma"))
        #expect(row(match.matrix, 1) == [0, 0, 0, 0, 0])
        let report = match.report
        #expect(report.total == 8 && report.exact == 5 && report.lowercased == 0 && report.fromSubwords == 0)
        #expect(report.misses == ["THE", "LEMMA", "unknown"])
        #expect(report.coverage == 5.0 / 8.0)
        #expect(report.weightedCoverage == 26.0 / 39.0)
    }

    @Test func lowercaseFallbackPrefersExactMatches() throws {
        let match = try EmbeddingMatcher(lowercaseFallback: true).match(vocabulary, from: try glove())
        let all = try glove().readAll()
        #expect(row(match.matrix, 1) == all.vector(for: "the"))
        #expect(row(match.matrix, 2) == all.vector(for: "Lemma"))
        #expect(row(match.matrix, 4) == all.vector(for: "lemma"))
        #expect(match.report.exact == 5 && match.report.lowercased == 2)
        #expect(match.report.misses == ["unknown"])
    }

    @Test func streamingAndRandomAccessSourcesAgree() throws {
        let matcher = EmbeddingMatcher(fill: .normal(std: 0.1, seed: 3), lowercaseFallback: true)
        let streamed = try matcher.match(vocabulary, counts: counts, from: try glove())
        let sources: [any EmbeddingSource] = [
            try glove().readAll(),
            try Word2VecBinaryFile(path: DataFixtures.path("vectors/word2vec.bin")),
            try NpyWordVectors(matrixPath: DataFixtures.path("vectors/matrix_f4.npy"), wordsPath: DataFixtures.path("vectors/words.txt")),
        ]
        for source in sources {
            let other = try matcher.match(vocabulary, counts: counts, from: source)
            #expect(other.matrix.scalars == streamed.matrix.scalars, "\(type(of: source))")
            #expect(other.report == streamed.report, "\(type(of: source))")
        }
    }

    @Test func normalFillIsSeededAndIndependentOfHits() throws {
        let fill = EmbeddingFill.normal(mean: 0, std: 1, seed: 42)
        let a = try EmbeddingMatcher(fill: fill).match(["zz", "the", "yy"], from: try glove())
        let b = try EmbeddingMatcher(fill: fill).match(["zz", "qq", "yy"], from: try glove())
        let expected = Tensor.normal([3, 5], std: 1, generator: RandomGenerator(seed: 42))
        #expect(row(a.matrix, 0) == row(expected, 0) && row(a.matrix, 2) == row(expected, 2))
        #expect(a.matrix.scalars[0..<5] == b.matrix.scalars[0..<5])
        #expect(row(b.matrix, 1) == row(expected, 1))
    }

    @Test func fastTextMakesVectorsForUnknownWords() throws {
        let model = try FastTextModel(path: DataFixtures.path("fasttext/tiny.bin"))
        let tokens = ["theorem", "Theorems", "lemmata", "</s>"]
        let match = try EmbeddingMatcher().match(tokens, from: model)
        #expect(match.report.exact == 2 && match.report.fromSubwords == 2 && match.report.misses.isEmpty)
        #expect(match.report.coverage == 0.5 && match.report.coverageWithSubwords == 1)
        #expect(row(match.matrix, 1) == model.vector(for: "Theorems"))
        let withoutSubwords = try EmbeddingMatcher(subwordVectors: false).match(tokens, from: model)
        #expect(withoutSubwords.report.misses == ["Theorems", "lemmata"])
        #expect(row(withoutSubwords.matrix, 1) == [Float](repeating: 0, count: 8))
        // Streaming a fastText model gives the in-vocabulary rows only.
        let viaStream = try EmbeddingMatcher().match(tokens, from: StreamOnly(base: model))
        #expect(viaStream.report.exact == 2 && viaStream.report.misses == ["Theorems", "lemmata"])
        #expect(row(viaStream.matrix, 0) == row(match.matrix, 0))
    }

    @Test func emptyVocabularyIsFullyCovered() throws {
        let match = try EmbeddingMatcher().match([], counts: [], from: try glove())
        #expect(match.matrix.shape == [0, 5] && match.report.coverage == 1 && match.report.weightedCoverage == 1)
    }

    @Test func sourceErrorsSurfaceFromMatching() throws {
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try DataFixtures.write("a 1 2\nb 3\n", "short.txt", in: directory)
        expectFormatError("short.txt", "line 2") { _ = try EmbeddingMatcher().match(["a"], from: try TextVectorFile(path: path)) }
    }
}

/// Hides a source's random access, to exercise the streaming path.
struct StreamOnly: EmbeddingSource {
    let base: any EmbeddingSource
    var path: String { base.path }
    var dimension: Int { base.dimension }
    func forEachVector(_ body: (UnsafeRawBufferPointer, UnsafeBufferPointer<Float>) throws -> Void) throws {
        try base.forEachVector(body)
    }
}
