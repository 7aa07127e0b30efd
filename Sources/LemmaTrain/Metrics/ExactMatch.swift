/// The fraction of hypotheses equal to their reference, token for token, accumulated a batch at a time.
public struct ExactMatch: Sendable, Equatable {
    public private(set) var matches = 0
    public private(set) var count = 0

    public init() {}

    /// Adds one pair.
    public mutating func add<T: Equatable>(hypothesis: [T], reference: [T]) {
        if hypothesis == reference { matches += 1 }
        count += 1
    }

    /// Adds a batch of pairs.
    public mutating func add<T: Equatable>(hypotheses: [[T]], references: [[T]]) {
        precondition(hypotheses.count == references.count,
                     "ExactMatch: \(hypotheses.count) hypotheses for \(references.count) references")
        for (h, r) in zip(hypotheses, references) { add(hypothesis: h, reference: r) }
    }

    /// Adds another accumulator's counts.
    public mutating func merge(_ other: ExactMatch) {
        matches += other.matches
        count += other.count
    }

    /// matches / count, or 0 before any pair.
    public var rate: Double { count == 0 ? 0 : Double(matches) / Double(count) }

    /// The exact-match rate of `hypotheses` against `references`.
    public static func rate<T: Equatable>(hypotheses: [[T]], references: [[T]]) -> Double {
        var exact = ExactMatch()
        exact.add(hypotheses: hypotheses, references: references)
        return exact.rate
    }
}
