/// Corpus BLEU accumulated a segment at a time: only n-gram match counts and lengths are kept, so the result
/// equals sacrebleu's `corpus_bleu` over the whole corpus without holding it. Tokens are compared as given
/// (ids or strings), the same as sacrebleu with `tokenize="none"` on those tokens joined by spaces.
///
/// Per segment, as sacrebleu: hypothesis n-gram counts are clipped by the largest count of that n-gram in any
/// one reference, and the reference length added is that of the reference closest in length to the hypothesis
/// (the shorter one on a tie).
public struct CorpusBLEU: Sendable, Equatable {
    /// The largest n-gram order (4 for BLEU-4).
    public let maxOrder: Int
    /// Clipped matches per order, summed over segments.
    public private(set) var matches: [Int]
    /// Hypothesis n-grams per order, summed over segments.
    public private(set) var totals: [Int]
    public private(set) var hypothesisLength = 0
    public private(set) var referenceLength = 0
    /// Segments added.
    public private(set) var segments = 0

    public init(maxOrder: Int = 4) {
        precondition(maxOrder >= 1, "CorpusBLEU: maxOrder \(maxOrder) < 1")
        self.maxOrder = maxOrder
        matches = Array(repeating: 0, count: maxOrder)
        totals = Array(repeating: 0, count: maxOrder)
    }

    /// Adds one hypothesis and its references (at least one).
    public mutating func add<T: Hashable>(hypothesis: [T], references: [[T]]) {
        precondition(!references.isEmpty, "CorpusBLEU: a hypothesis needs at least one reference")
        var clip: [ArraySlice<T>: Int] = [:]
        for reference in references {
            for (ngram, count) in ngramCounts(reference) where count > clip[ngram, default: 0] {
                clip[ngram] = count
            }
        }
        for (ngram, count) in ngramCounts(hypothesis) {
            totals[ngram.count - 1] += count
            matches[ngram.count - 1] += min(count, clip[ngram, default: 0])
        }
        hypothesisLength += hypothesis.count
        referenceLength += closestLength(to: hypothesis.count, among: references.map(\.count))
        segments += 1
    }

    /// Adds one hypothesis with a single reference.
    public mutating func add<T: Hashable>(hypothesis: [T], reference: [T]) {
        add(hypothesis: hypothesis, references: [reference])
    }

    /// Adds a batch: `references[i]` holds the references of `hypotheses[i]`.
    public mutating func add<T: Hashable>(hypotheses: [[T]], references: [[[T]]]) {
        precondition(hypotheses.count == references.count,
                     "CorpusBLEU: \(hypotheses.count) hypotheses for \(references.count) reference sets")
        for (h, r) in zip(hypotheses, references) { add(hypothesis: h, references: r) }
    }

    /// Adds another accumulator's counts (same maxOrder), e.g. one kept by another worker.
    public mutating func merge(_ other: CorpusBLEU) {
        precondition(other.maxOrder == maxOrder, "CorpusBLEU: merging orders \(other.maxOrder) and \(maxOrder)")
        for n in 0..<maxOrder {
            matches[n] += other.matches[n]
            totals[n] += other.totals[n]
        }
        hypothesisLength += other.hypothesisLength
        referenceLength += other.referenceLength
        segments += other.segments
    }

    /// The score of everything added so far (sacrebleu's defaults: exp smoothing, no effective order).
    public func score(smoothing: BLEUSmoothing = .exp, effectiveOrder: Bool = false) -> BLEUScore {
        BLEUScore(matches: matches, totals: totals, hypothesisLength: hypothesisLength,
                  referenceLength: referenceLength, smoothing: smoothing, effectiveOrder: effectiveOrder)
    }

    /// The corpus BLEU of `hypotheses` against their references, in one call.
    public static func score<T: Hashable>(hypotheses: [[T]], references: [[[T]]], maxOrder: Int = 4,
                                          smoothing: BLEUSmoothing = .exp,
                                          effectiveOrder: Bool = false) -> BLEUScore {
        var bleu = CorpusBLEU(maxOrder: maxOrder)
        bleu.add(hypotheses: hypotheses, references: references)
        return bleu.score(smoothing: smoothing, effectiveOrder: effectiveOrder)
    }

    /// Counts of every n-gram of order 1…maxOrder in `tokens`.
    private func ngramCounts<T: Hashable>(_ tokens: [T]) -> [ArraySlice<T>: Int] {
        var counts: [ArraySlice<T>: Int] = [:]
        for n in 1...maxOrder where n <= tokens.count {
            for start in 0...(tokens.count - n) { counts[tokens[start..<(start + n)], default: 0] += 1 }
        }
        return counts
    }
}

/// The reference length nearest `length`, the shorter on a tie (sacrebleu's closest reference length).
func closestLength(to length: Int, among lengths: [Int]) -> Int {
    lengths.min { a, b in
        let (da, db) = (abs(a - length), abs(b - length))
        return da != db ? da < db : a < b
    }!
}
