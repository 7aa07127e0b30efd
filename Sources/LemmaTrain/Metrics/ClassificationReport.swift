/// Per-class precision, recall, F1 and support with micro, macro and weighted averages: the numbers of
/// sklearn's `classification_report` / `precision_recall_fscore_support` with `zero_division=0`, computed from
/// a confusion matrix.
///
/// `labels` chooses the classes reported and averaged, in order, as sklearn's `labels=`: by default every
/// class of the matrix, so classes with no examples and no predictions still get a row (sklearn by default
/// shows only the labels present; pass `confusion.presentLabels` for that). Counts still come from every
/// example: a class's predictions include those of examples whose true class is not reported.
public struct ClassificationReport: Sendable, Equatable, CustomStringConvertible {
    /// One reported class.
    public struct Row: Sendable, Equatable {
        public let label: Int
        public let name: String
        public let scores: ClassScores
    }

    public let rows: [Row]
    /// Pooled over the reported classes: total true positives over total predictions / true examples.
    public let micro: ClassScores
    /// The unweighted mean of the rows' scores.
    public let macro: ClassScores
    /// The rows' scores weighted by support (0 when no reported class has support).
    public let weighted: ClassScores
    /// Correct predictions over all examples counted, whatever `labels` holds.
    public let accuracy: Double
    /// Whether the micro average equals accuracy (the reported labels include every class that occurs), so the
    /// text shows an `accuracy` row, as sklearn does, instead of `micro avg`.
    public let microIsAccuracy: Bool
    /// Decimals in `description`: 4 by Lemma's choice, where sklearn prints 2 (`render(digits: 2)`).
    public var digits: Int

    public init(confusion: ConfusionMatrix, labels: [Int]? = nil, digits: Int = 4) {
        let labels = labels ?? Array(0..<confusion.classCount)
        precondition(!labels.isEmpty, "ClassificationReport: no labels")
        precondition(labels.allSatisfy { (0..<confusion.classCount).contains($0) },
                     "ClassificationReport: labels \(labels) outside 0..<\(confusion.classCount)")
        let supports = confusion.supports, predicted = confusion.predictedCounts
        rows = labels.map { l in
            Row(label: l, name: confusion.classNames[l],
                scores: ClassScores(truePositives: confusion[target: l, predicted: l], predicted: predicted[l],
                                    support: supports[l]))
        }
        let support = labels.reduce(0) { $0 + supports[$1] }
        micro = ClassScores(truePositives: labels.reduce(0) { $0 + confusion[target: $1, predicted: $1] },
                            predicted: labels.reduce(0) { $0 + predicted[$1] }, support: support)
        let scores = rows.map(\.scores)
        let count = Double(scores.count)
        macro = ClassScores(precision: scores.reduce(0) { $0 + $1.precision } / count,
                            recall: scores.reduce(0) { $0 + $1.recall } / count,
                            f1: scores.reduce(0) { $0 + $1.f1 } / count, support: support)
        let weight = Double(support)
        weighted = ClassScores(precision: ratio(scores.reduce(0) { $0 + $1.precision * Double($1.support) }, weight),
                               recall: ratio(scores.reduce(0) { $0 + $1.recall * Double($1.support) }, weight),
                               f1: ratio(scores.reduce(0) { $0 + $1.f1 * Double($1.support) }, weight),
                               support: support)
        accuracy = ratio(Double(confusion.correct), Double(confusion.total))
        let reported = Set(labels)
        microIsAccuracy = confusion.presentLabels.allSatisfy(reported.contains)
        self.digits = digits
    }

    /// The reported class named `name`, if any.
    public func scores(of name: String) -> ClassScores? {
        rows.first { $0.name == name }?.scores
    }

    /// The `lemma eval --json` form.
    public var summary: ClassificationSummary {
        ClassificationSummary(accuracy: accuracy, macroF1: macro.f1, weightedF1: weighted.f1,
                              perClass: Dictionary(uniqueKeysWithValues: rows.map { ($0.name, $0.scores) }))
    }

    public var description: String { render(digits: digits) }
}
