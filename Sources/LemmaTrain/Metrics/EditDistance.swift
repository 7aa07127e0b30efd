/// Token-level Levenshtein distance (insertions, deletions and substitutions each cost 1), accumulated a
/// sequence pair at a time. Two corpus figures: the rate (total edits over total reference tokens) and
/// im2markup's accuracy (1 − total edits over the summed longer length of each pair).
public struct EditDistance: Sendable, Equatable {
    /// Edits summed over all pairs.
    public private(set) var totalEdits = 0
    /// Reference tokens summed over all pairs.
    public private(set) var totalReferenceLength = 0
    /// max(hypothesis, reference) tokens summed over all pairs: im2markup's denominator.
    public private(set) var totalLongerLength = 0
    /// Per-pair normalized distances summed (for `meanNormalized`).
    public private(set) var normalizedSum = 0.0
    /// Pairs added.
    public private(set) var count = 0

    public init() {}

    /// Adds the distance between `hypothesis` and `reference`.
    public mutating func add<T: Equatable>(hypothesis: [T], reference: [T]) {
        let edits = EditDistance.between(hypothesis, reference)
        totalEdits += edits
        totalReferenceLength += reference.count
        totalLongerLength += max(hypothesis.count, reference.count)
        normalizedSum += EditDistance.normalize(edits, referenceLength: reference.count)
        count += 1
    }

    /// Adds a batch of pairs.
    public mutating func add<T: Equatable>(hypotheses: [[T]], references: [[T]]) {
        precondition(hypotheses.count == references.count,
                     "EditDistance: \(hypotheses.count) hypotheses for \(references.count) references")
        for (h, r) in zip(hypotheses, references) { add(hypothesis: h, reference: r) }
    }

    /// Adds another accumulator's sums, e.g. one kept by another worker.
    public mutating func merge(_ other: EditDistance) {
        totalEdits += other.totalEdits
        totalReferenceLength += other.totalReferenceLength
        totalLongerLength += other.totalLongerLength
        normalizedSum += other.normalizedSum
        count += other.count
    }

    /// Total edits / total reference tokens: the corpus edit distance im2latex reports (0 when there are no
    /// reference tokens and no edits, +infinity when there are edits but no reference tokens).
    public var corpusRate: Double { EditDistance.normalize(totalEdits, referenceLength: totalReferenceLength) }

    /// im2markup's "Edit Distance Accuracy" (scripts/evaluation/evaluate_text_edit_distance.py): 1 − total
    /// edits / Σ max(hypothesis, reference length); 1 before any token.
    public var im2markupAccuracy: Double { totalLongerLength == 0 ? 1 : 1 - Double(totalEdits) / Double(totalLongerLength) }

    /// The mean of the per-pair normalized distances (0 before any pair).
    public var meanNormalized: Double { count == 0 ? 0 : normalizedSum / Double(count) }

    /// The mean number of edits per pair (0 before any pair).
    public var meanEdits: Double { count == 0 ? 0 : Double(totalEdits) / Double(count) }

    /// The Levenshtein distance between two token sequences.
    public static func between<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
        // Two rows of the dynamic-programming table, over the shorter sequence.
        let (long, short) = a.count >= b.count ? (a, b) : (b, a)
        if short.isEmpty { return long.count }
        var previous = Array(0...short.count)
        var current = Array(repeating: 0, count: short.count + 1)
        for i in 1...long.count {
            current[0] = i
            for j in 1...short.count {
                let substitution = previous[j - 1] + (long[i - 1] == short[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[short.count]
    }

    /// The distance divided by the reference length (0 when both are empty; +infinity when only the
    /// reference is, as tf.edit_distance's normalize=True).
    public static func normalized<T: Equatable>(hypothesis: [T], reference: [T]) -> Double {
        normalize(between(hypothesis, reference), referenceLength: reference.count)
    }

    static func normalize(_ edits: Int, referenceLength: Int) -> Double {
        referenceLength == 0 ? (edits == 0 ? 0 : .infinity) : Double(edits) / Double(referenceLength)
    }
}
