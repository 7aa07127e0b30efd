/// The fraction of predictions equal to their targets, accumulated a batch at a time (sklearn's
/// `accuracy_score`). Empty input scores 0, as sklearn's reports do with `zero_division=0`.
public struct Accuracy: Sendable, Equatable {
    public private(set) var correct = 0
    public private(set) var total = 0

    public init() {}

    /// Counts one batch; `predictions` and `targets` must have the same length.
    public mutating func add<T: Equatable>(predictions: [T], targets: [T]) {
        precondition(predictions.count == targets.count,
                     "Accuracy: \(predictions.count) predictions for \(targets.count) targets")
        correct += zip(predictions, targets).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        total += targets.count
    }

    /// Adds another accumulator's counts, e.g. one kept by another worker.
    public mutating func merge(_ other: Accuracy) {
        correct += other.correct
        total += other.total
    }

    /// correct / total, or 0 when nothing was counted.
    public var value: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// The accuracy of one set of predictions.
    public static func of<T: Equatable>(predictions: [T], targets: [T]) -> Double {
        var accuracy = Accuracy()
        accuracy.add(predictions: predictions, targets: targets)
        return accuracy.value
    }
}
