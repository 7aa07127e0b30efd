import Foundation
import LemmaTensor
import LemmaText

/// A tokenized paired corpus on disk: `source/` and `target/`, two memory-mapped `TokenDataset`s with pair i
/// in row i of both. Written in constant memory by `prepare`, and only visible once complete.
public final class PairedDataset {
    public let url: URL
    public let source: TokenDataset, target: TokenDataset

    public init(url: URL) throws {
        self.url = url
        source = try TokenDataset(url: url.appendingPathComponent("source"))
        target = try TokenDataset(url: url.appendingPathComponent("target"))
        guard source.count == target.count else {
            throw FileFormatError(url.path, "\(source.count) sources but \(target.count) targets; the pair dataset is damaged")
        }
    }

    public var count: Int { source.count }

    /// What `prepare` kept and left out.
    public struct Summary: Equatable, Sendable {
        public var pairs: Int
        /// Pairs with a side longer than the length limit (fastai keeps ≤ 30 tokens a side).
        public var tooLong: Int

        public init(pairs: Int, tooLong: Int) {
            self.pairs = pairs
            self.tooLong = tooLong
        }
    }

    /// Tokenizes each pair of `corpus` (each side with its own tokenizer; pass one twice to share), drops pairs
    /// with a side over `maxLength` tokens, and writes the pair dataset to `destination`. `select`, given the
    /// position of each pair in the corpus, keeps only some (one side of a split).
    public static func prepare(_ corpus: PairedCorpusSource, sourceTokenizer: any Tokenizer, targetTokenizer: any Tokenizer,
                               maxLength: Int? = nil, select: ((Int) -> Bool)? = nil, into destination: URL,
                               describe: (source: String, target: String) = ("", "")) throws -> Summary {
        let staging = try StagingDirectory(for: destination)
        let sources = try TokenDatasetWriter(destination: staging.file("source"))
        let targets = try TokenDatasetWriter(destination: staging.file("target"))
        var summary = Summary(pairs: 0, tooLong: 0)
        var position = 0
        try corpus.forEach { pair in
            defer { position += 1 }
            if let select, !select(position) { return }
            let s = sourceTokenizer.encode(pair.source), t = targetTokenizer.encode(pair.target)
            if let maxLength, s.count > maxLength || t.count > maxLength { summary.tooLong += 1; return }
            try sources.append(tokenIDs: s, label: nil)
            try targets.append(tokenIDs: t, label: nil)
            summary.pairs += 1
        }
        let origin = corpus.origin
        _ = try sources.finish(tokenizer: describe.source, vocabularySize: sourceTokenizer.vocabularySize, source: origin)
        _ = try targets.finish(tokenizer: describe.target, vocabularySize: targetTokenizer.vocabularySize, source: origin)
        try staging.finish(what: "pair dataset")
        return summary
    }
}

/// A padded batch of pairs: what a seq2seq model's forward pass takes.
public struct Seq2SeqBatch {
    /// [B, S] and [B, T] token ids, padded with the pad id.
    public let source: IndexTensor, target: IndexTensor
    public let sourceLengths: [Int], targetLengths: [Int]
    /// Which pairs of the dataset these are, in order.
    public let indices: [Int]
}

/// Pads pairs into a `Seq2SeqBatch` as fastai's `seq2seq_collate` does: each side to its longest row, with the
/// pad id at the end (or, `padFirst`, at the start); `endToken` is appended to every target first.
public struct PairCollator: Sendable {
    /// The target side's pad, and the source side's (the same unless the sides have their own tokenizers).
    public var padID: Int32, sourcePadID: Int32
    public var padFirst: Bool
    public var endToken: Int32?

    public init(padID: Int32 = 1, sourcePadID: Int32? = nil, padFirst: Bool = false, endToken: Int32? = nil) {
        self.padID = padID
        self.sourcePadID = sourcePadID ?? padID
        self.padFirst = padFirst
        self.endToken = endToken
    }

    public func collate(_ dataset: PairedDataset, indices: [Int]) -> Seq2SeqBatch {
        collate(sources: indices.map { Array(dataset.source.tokenIDs($0)) }, targets: indices.map { Array(dataset.target.tokenIDs($0)) },
                indices: indices)
    }

    /// Pairs given as token ids (the end token not yet appended); `indices` say which pairs they are.
    public func collate(sources: [[Int32]], targets: [[Int32]], indices: [Int]) -> Seq2SeqBatch {
        let targets = targets.map { $0 + (endToken.map { [$0] } ?? []) }
        return Seq2SeqBatch(source: pad(sources, with: sourcePadID), target: pad(targets, with: padID), sourceLengths: sources.map(\.count),
                            targetLengths: targets.map(\.count), indices: indices)
    }

    func pad(_ rows: [[Int32]], with padID: Int32) -> IndexTensor {
        let width = max(rows.map(\.count).max() ?? 0, 1)
        var values: [Int32] = []
        values.reserveCapacity(rows.count * width)
        for row in rows {
            let padding = [Int32](repeating: padID, count: width - row.count)
            values += padFirst ? padding + row : row + padding
        }
        return IndexTensor(values, shape: [rows.count, width])
    }
}
