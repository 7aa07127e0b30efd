import LemmaTensor

/// What rows get when a vocabulary token has no pretrained vector.
public enum EmbeddingFill: Sendable, Equatable {
    case zeros
    /// Samples from N(mean, std²) drawn from `RandomGenerator(seed:)` for the whole matrix before the
    /// found rows are written, so a miss gets the same row whatever else was found.
    case normal(mean: Float = 0, std: Float, seed: UInt64)
}

/// How well a vocabulary was covered by a source.
public struct EmbeddingMatchReport: Sendable, Equatable {
    public let total: Int
    /// Tokens found as written.
    public let exact: Int
    /// Tokens found only in lower case.
    public let lowercased: Int
    /// Tokens given fastText subword vectors.
    public let fromSubwords: Int
    /// Tokens left with the fill, in vocabulary order.
    public let misses: [String]
    /// Share of the token counts (when given) that was found, exactly or in lower case.
    public let weightedCoverage: Double?

    public var found: Int { exact + lowercased }
    /// `found / total` (1 for an empty vocabulary).
    public var coverage: Double { total == 0 ? 1 : Double(found) / Double(total) }
    /// Share with any vector, subword vectors included.
    public var coverageWithSubwords: Double { total == 0 ? 1 : Double(found + fromSubwords) / Double(total) }
}

/// A `[vocabulary, dimension]` embedding matrix and how it was filled.
public struct EmbeddingMatch {
    public let matrix: Tensor
    public let report: EmbeddingMatchReport
}

/// Builds an embedding matrix for a vocabulary from pretrained vectors: row `i` is the vector of
/// `vocabulary[i]`. Each token is looked up as written, then (with `lowercaseFallback`) in lower case, then
/// (with `subwordVectors`, for sources such as fastText that can) from its character n-grams; the rest get
/// the fill. Sources without random access are streamed once and only the needed rows are kept, so memory
/// is the output matrix plus the vocabulary. When a source lists a word twice, its first vector is used.
public struct EmbeddingMatcher: Sendable {
    public var fill: EmbeddingFill
    /// Try `token.lowercased()` for tokens not found as written.
    public var lowercaseFallback: Bool
    /// Ask sources that can (fastText) for vectors of unknown words.
    public var subwordVectors: Bool

    public init(fill: EmbeddingFill = .zeros, lowercaseFallback: Bool = false, subwordVectors: Bool = true) {
        self.fill = fill
        self.lowercaseFallback = lowercaseFallback
        self.subwordVectors = subwordVectors
    }

    private enum Status { case missing, exact, lowercased, subwords }

    /// `counts[i]`, when given, is how often `vocabulary[i]` occurs, for the weighted coverage.
    public func match(_ vocabulary: [String], counts: [Int]? = nil, from source: any EmbeddingSource) throws -> EmbeddingMatch {
        precondition(counts == nil || counts!.count == vocabulary.count,
                     "EmbeddingMatcher: \(counts?.count ?? 0) counts for \(vocabulary.count) tokens")
        let d = source.dimension
        let matrix: Tensor
        switch fill {
        case .zeros: matrix = Tensor.zeros([vocabulary.count, d])
        case .normal(let mean, let std, let seed):
            matrix = Tensor.normal([vocabulary.count, d], mean: mean, std: std, generator: RandomGenerator(seed: seed))
        }
        var status = [Status](repeating: .missing, count: vocabulary.count)
        try matrix.withUnsafeMutableBufferPointer { values in
            func row(_ i: Int) -> UnsafeMutableBufferPointer<Float> {
                UnsafeMutableBufferPointer(rebasing: values[(i * d)..<((i + 1) * d)])
            }
            if let lookup = source as? any WordVectorLookup {
                for (i, token) in vocabulary.enumerated() {
                    if lookup.lookUp(token, into: row(i), allowSubwords: false) == .inVocabulary {
                        status[i] = .exact
                    } else if lowercaseFallback, case let lower = token.lowercased(), lower != token,
                              lookup.lookUp(lower, into: row(i), allowSubwords: false) == .inVocabulary {
                        status[i] = .lowercased
                    } else if subwordVectors, lookup.makesVectorsForUnknownWords,
                              lookup.lookUp(token, into: row(i), allowSubwords: true) == .fromSubwords {
                        status[i] = .subwords
                    }
                }
            } else {
                try stream(vocabulary, from: source, status: &status, row: row)
            }
        }
        var misses: [String] = []
        var exact = 0, lowercased = 0, subwords = 0
        var foundWeight = 0.0, totalWeight = 0.0
        for (i, state) in status.enumerated() {
            let weight = Double(counts?[i] ?? 0)
            totalWeight += weight
            switch state {
            case .missing: misses.append(vocabulary[i])
            case .exact: exact += 1; foundWeight += weight
            case .lowercased: lowercased += 1; foundWeight += weight
            case .subwords: subwords += 1
            }
        }
        let weighted = counts == nil ? nil : (totalWeight == 0 ? 1 : foundWeight / totalWeight)
        let report = EmbeddingMatchReport(total: vocabulary.count, exact: exact, lowercased: lowercased,
                                          fromSubwords: subwords, misses: misses, weightedCoverage: weighted)
        return EmbeddingMatch(matrix: matrix, report: report)
    }

    /// One pass over a source, copying the rows that vocabulary tokens (or their lower-case forms) want.
    private func stream(_ vocabulary: [String], from source: any EmbeddingSource, status: inout [Status],
                        row: (Int) -> UnsafeMutableBufferPointer<Float>) throws {
        var exactTable = WordTable(capacity: vocabulary.count)
        var exactRows: [[Int]] = []
        var lowerTable = WordTable()
        var lowerRows: [[Int]] = []
        for (i, token) in vocabulary.enumerated() {
            let (id, inserted) = exactTable.insert(token)
            if inserted { exactRows.append([]) }
            exactRows[id].append(i)
            if lowercaseFallback, case let lower = token.lowercased(), lower != token {
                let (lowerID, lowerInserted) = lowerTable.insert(lower)
                if lowerInserted { lowerRows.append([]) }
                lowerRows[lowerID].append(i)
            }
        }
        try source.forEachVector { word, vector in
            if let id = exactTable.find(word) {
                for i in exactRows[id] where status[i] != .exact {
                    _ = row(i).update(fromContentsOf: vector)
                    status[i] = .exact
                }
            }
            if let id = lowerTable.find(word) {
                for i in lowerRows[id] where status[i] == .missing {
                    _ = row(i).update(fromContentsOf: vector)
                    status[i] = .lowercased
                }
            }
        }
    }
}
