/// The classification metrics of an evaluation, accumulated a batch at a time: only the confusion matrix is
/// kept, so memory does not grow with the number of examples. Ask for the accuracy, report or JSON summary
/// whenever needed.
public struct ClassificationMetrics: Sendable, Equatable {
    public private(set) var confusion: ConfusionMatrix
    private let indexOfName: [String: Int]

    /// Metrics over classes named `classNames` (their indices are the labels).
    public init(classNames: [String]) {
        confusion = ConfusionMatrix(classNames: classNames)
        indexOfName = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
    }

    /// Metrics over `classCount` classes named "0", "1", ….
    public init(classCount: Int) {
        self.init(classNames: (0..<classCount).map(String.init))
    }

    /// Counts one batch of class indices (e.g. argmax predictions and the batch's labels).
    public mutating func add<I: BinaryInteger>(predictions: [I], targets: [I]) {
        confusion.add(predictions: predictions, targets: targets)
    }

    /// Counts one batch of class names; every name must be one of `classNames`.
    public mutating func add(predictedNames: [String], targetNames: [String]) {
        precondition(predictedNames.count == targetNames.count,
                     "ClassificationMetrics: \(predictedNames.count) predictions for \(targetNames.count) targets")
        for (p, t) in zip(predictedNames, targetNames) {
            guard let pi = indexOfName[p], let ti = indexOfName[t] else {
                preconditionFailure("ClassificationMetrics: unknown class name in (\(t), \(p))")
            }
            confusion.add(prediction: pi, target: ti)
        }
    }

    /// Adds another accumulator's counts (same classes), e.g. one kept by another worker.
    public mutating func merge(_ other: ClassificationMetrics) {
        confusion.merge(other.confusion)
    }

    /// Examples counted so far.
    public var count: Int { confusion.total }

    /// Correct predictions over examples counted (0 before any).
    public var accuracy: Double { ratio(Double(confusion.correct), Double(confusion.total)) }

    /// The per-class report over `labels` (default: every class), printing `digits` decimals.
    public func report(labels: [Int]? = nil, digits: Int = 4) -> ClassificationReport {
        ClassificationReport(confusion: confusion, labels: labels, digits: digits)
    }

    /// The `lemma eval --json` form, over every class.
    public var summary: ClassificationSummary { report().summary }
}
