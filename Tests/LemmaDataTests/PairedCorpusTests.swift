import Foundation
import LemmaData
import LemmaText
import LemmaTensor
import Testing

/// Paired corpora for seq2seq: tables with a source and a target column, parallel text files, and the
/// errors that name the file and line; fastai's sortish and sorted batch orders.
struct PairedCorpusTests {
    func read(_ source: PairedCorpusSource) throws -> [TextPair] {
        var pairs: [TextPair] = []
        try source.forEach { pairs.append($0) }
        return pairs
    }

    @Test func tablesAndParallelFilesGiveThePairsInOrder() throws {
        let directory = try DataFixtures.scratchDirectory()
        let csv = try DataFixtures.write("id,annotated_text,orig_text\n1,\"pt w/ DM\",patient with diabetes\n2,BP 120/80,blood pressure 120 over 80\n",
                                         "pairs.csv", in: directory)
        let fromTable = try read(PairedCorpusSource(.table(path: csv, sourceColumn: "annotated_text", targetColumn: "orig_text")))
        #expect(fromTable.map(\.source) == ["pt w/ DM", "BP 120/80"])
        #expect(fromTable.map(\.target) == ["patient with diabetes", "blood pressure 120 over 80"])
        #expect(fromTable[1].location.line == 3)

        let jsonl = try DataFixtures.write("{\"en\": \"In the beginning\", \"es\": \"En el principio\"}\n", "pairs.jsonl", in: directory)
        #expect(try read(PairedCorpusSource(.table(path: jsonl, sourceColumn: "en", targetColumn: "es"))).map(\.target) == ["En el principio"])

        let en = try DataFixtures.write("In the beginning\nAnd the earth\n", "kjv.txt", in: directory)
        let es = try DataFixtures.write("En el principio\nY la tierra\n", "sparv.txt", in: directory)
        let parallel = try read(PairedCorpusSource(.parallel(sourcePath: en, targetPath: es)))
        #expect(parallel.map(\.source) == ["In the beginning", "And the earth"])
        #expect(parallel.map(\.target) == ["En el principio", "Y la tierra"])
    }

    @Test func missingColumnsEmptySidesAndUnevenFilesNameTheFileAndLine() throws {
        let directory = try DataFixtures.scratchDirectory()
        let csv = try DataFixtures.write("src,tgt\na,b\n,c\n", "bad.csv", in: directory)
        expectFormatError("bad.csv", "no column", "'target'") {
            _ = try read(PairedCorpusSource(.table(path: csv, sourceColumn: "src", targetColumn: "target")))
        }
        expectFormatError("bad.csv: line 3: the 'src' is empty") {
            _ = try read(PairedCorpusSource(.table(path: csv, sourceColumn: "src", targetColumn: "tgt")))
        }
        let jsonl = try DataFixtures.write("{\"en\": \"a\", \"es\": \"b\"}\n{\"en\": \"c\"}\n", "bad.jsonl", in: directory)
        expectFormatError("bad.jsonl: line 2: no field 'es'") {
            _ = try read(PairedCorpusSource(.table(path: jsonl, sourceColumn: "en", targetColumn: "es")))
        }
        let long = try DataFixtures.write("a\nb\nc\n", "long.txt", in: directory)
        let short = try DataFixtures.write("x\ny\n", "short.txt", in: directory)
        expectFormatError("short.txt: ends before line 3 of", "same number of lines") {
            _ = try read(PairedCorpusSource(.parallel(sourcePath: long, targetPath: short)))
        }
        let blank = try DataFixtures.write("x\n \n", "blank.txt", in: directory)
        expectFormatError("short.txt: line 2: the target side", "is empty") {
            _ = try read(PairedCorpusSource(.parallel(sourcePath: short, targetPath: blank)))
        }
    }

    @Test func sortishBatchesAreLongestFirstWithinChunksAndStartWithTheLongest() {
        let lengths = (0..<1000).map { ($0 * 7919) % 97 + 1 }
        let sampler = BatchSampler(batchSize: 4, order: .sortish, seed: 3)
        let batches = sampler.batches(count: 1000, epoch: 0) { lengths[$0] }
        #expect(batches.flatMap { $0 }.sorted() == Array(0..<1000))
        #expect(lengths[batches[0][0]] == lengths.max())
        for batch in batches { #expect(batch.map { lengths[$0] } == batch.map { lengths[$0] }.sorted(by: >)) }
        #expect(sampler.batches(count: 1000, epoch: 0) { lengths[$0] } == batches)
        #expect(sampler.batches(count: 1000, epoch: 1) { lengths[$0] } != batches)
        let sorted = BatchSampler(batchSize: 4, order: .sortedByLength).batches(count: 1000, epoch: 0) { lengths[$0] }.flatMap { $0 }
        #expect(sorted.map { lengths[$0] } == lengths.sorted(by: >))
    }
}

extension PairedCorpusTests {
    @Test func pairsAreTokenizedPerSideFilteredByLengthAndCollatedAsFastaiDoes() throws {
        let directory = try DataFixtures.scratchDirectory()
        let tsv = try DataFixtures.write("src\ttgt\na b\tx\nc\tx y z w\nb a c\ty x\n", "pairs.tsv", in: directory)
        let corpus = PairedCorpusSource(.table(path: tsv, sourceColumn: "src", targetColumn: "tgt"))
        let source = WordTokenizer(buildingFrom: ["a b c"]), target = CharacterTokenizer(buildingFrom: ["xyzw "])
        let url = directory.appendingPathComponent("pairs")
        let summary = try PairedDataset.prepare(corpus, sourceTokenizer: source, targetTokenizer: target, maxLength: 4, into: url)
        #expect(summary == PairedDataset.Summary(pairs: 2, tooLong: 1))  // "x y z w" is 7 characters
        let dataset = try PairedDataset(url: url)
        #expect(dataset.count == 2)
        #expect(Array(dataset.source.tokenIDs(1)) == source.encode("b a c"))
        #expect(Array(dataset.target.tokenIDs(1)) == target.encode("y x"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("partial") }.isEmpty)

        let batch = PairCollator(padID: 1, endToken: 2).collate(dataset, indices: [0, 1])
        let x = target.encode("x"), yx = target.encode("y x")
        #expect(batch.target.shape == [2, yx.count + 1])
        #expect(Array(batch.target.values.prefix(yx.count + 1)) == x + [2] + Array(repeating: 1, count: yx.count - x.count))
        #expect(batch.targetLengths == [x.count + 1, yx.count + 1])
        let first = PairCollator(padID: 1, padFirst: true).collate(dataset, indices: [0, 1])
        #expect(Array(first.source.values.prefix(3)) == [1] + source.encode("a b"))
    }
}
