import Foundation
import LemmaData
import LemmaTensor
import Testing

struct TokenDatasetTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-data-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func write(_ examples: [([Int32], String?)], to url: URL) throws {
        let writer = try TokenDatasetWriter(destination: url)
        for (ids, label) in examples { try writer.append(tokenIDs: ids, label: label) }
        try writer.finish(tokenizer: "word:test", vocabularySize: 10, source: "test")
    }

    @Test func roundTripsExamplesAndLabels() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("set")
        try write([([1, 2, 3], "proof"), ([], "theorem"), ([4], "proof")], to: url)
        let dataset = try TokenDataset(url: url)
        #expect(dataset.count == 3)
        #expect(Array(dataset.tokenIDs(0)) == [1, 2, 3])
        #expect(Array(dataset.tokenIDs(1)) == [])
        #expect(dataset.length(2) == 1)
        #expect(dataset.info.labels == ["proof", "theorem"])
        #expect([0, 1, 2].map(dataset.label) == [0, 1, 0])
        #expect(dataset.info.examplesPerLabel == ["proof": 2, "theorem": 1])
    }

    @Test func rerunningReplacesAndAnAbandonedWriteChangesNothing() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("set")
        try write([([1], "a")], to: url)
        try write([([2, 2], "b"), ([3], nil)], to: url)
        #expect(try TokenDataset(url: url).count == 2)
        do {
            let abandoned = try TokenDatasetWriter(destination: url)
            try abandoned.append(tokenIDs: [9, 9, 9], label: "c")
        }
        #expect(try TokenDataset(url: url).count == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["set"])
    }

    @Test func damagedDatasetsAreClearErrors() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("set")
        try write([([1, 2], "a"), ([3], "b")], to: url)
        let tokens = url.appendingPathComponent("tokens.i32")
        let data = try Data(contentsOf: tokens)
        try data.prefix(4).write(to: tokens)
        #expect(throws: FileFormatError.self) { try TokenDataset(url: url) }
        try Data("{".utf8).write(to: url.appendingPathComponent("meta.json"))
        #expect(throws: FileFormatError.self) { try TokenDataset(url: url) }
        #expect(throws: FileFormatError.self) { try TokenDataset(url: directory.appendingPathComponent("missing")) }
    }
}

struct BatchingTests {
    @Test func collatorPadsDynamicallyAndTruncates() {
        let collator = Collator(padID: 0, maxLength: 3)
        let batch = collator.collate([[5, 6], [7, 8, 9, 10], [11]], labels: [1, 0, 1])
        #expect(batch.ids == IndexTensor([5, 6, 0, 7, 8, 9, 11, 0, 0], shape: [3, 3]))
        #expect(batch.attentionMask.scalars == [1, 1, 0, 1, 1, 1, 1, 0, 0])
        #expect(batch.lengths == [2, 3, 1])
        #expect(batch.labels == IndexTensor([1, 0, 1]))
        let fixed = Collator(padID: 0, maxLength: 5, padToMaxLength: true).collate([[1]])
        #expect(fixed.ids.shape == [1, 5])
        // Rounded up to a multiple, never past maxLength (unless a sequence is longer, which it cannot be here).
        var rounded = Collator(padID: 0, maxLength: 20)
        rounded.padToMultipleOf = 8
        #expect(rounded.collate([[1, 2, 3]]).ids.shape == [1, 8])
        #expect(rounded.collate([[1, 2, 3]]).attentionMask.scalars == [1, 1, 1, 0, 0, 0, 0, 0])
        #expect(rounded.collate([Array(repeating: 1, count: 17)]).ids.shape == [1, 20])
        #expect(rounded.collate([Array(repeating: 1, count: 8)]).ids.shape == [1, 8])
        let tail = Collator(padID: 0, maxLength: 2, truncateFromStart: true).collate([[1, 2, 3]])
        #expect(tail.ids.values == [2, 3])
    }

    @Test func shuffledEpochsAreDeterministicPermutations() {
        let sampler = BatchSampler(batchSize: 4, order: .shuffled, seed: 3)
        let epoch0 = sampler.batches(count: 10, epoch: 0)
        #expect(epoch0 == sampler.batches(count: 10, epoch: 0))
        #expect(epoch0 != sampler.batches(count: 10, epoch: 1))
        #expect(epoch0.flatMap { $0 }.sorted() == Array(0..<10))
        #expect(epoch0.map(\.count) == [4, 4, 2])
        #expect(BatchSampler(batchSize: 4, dropLast: true).batches(count: 10, epoch: 0).count == 2)
    }

    @Test func bucketedBatchesHoldSimilarLengths() {
        let lengths = (0..<100).map { ($0 * 37) % 50 }
        let sampler = BatchSampler(batchSize: 8, order: .bucketed(bounds: [10, 20, 30, 40]), seed: 1)
        let batches = sampler.batches(count: 100, epoch: 0) { lengths[$0] }
        #expect(batches.flatMap { $0 }.sorted() == Array(0..<100))
        for batch in batches {
            let buckets = Set(batch.map { i in [10, 20, 30, 40].firstIndex { lengths[i] <= $0 } ?? 4 })
            #expect(buckets.count == 1)
        }
    }
}
