/// Counts of (true class, predicted class) pairs over classes 0..<classCount: rows are true classes, columns
/// predicted ones, as sklearn's `confusion_matrix`. It holds everything a classification report needs, so
/// evaluation over millions of examples keeps classCount² integers, not the labels.
public struct ConfusionMatrix: Sendable, Equatable, CustomStringConvertible {
    /// One name per class, used by reports and the text rendering.
    public let classNames: [String]
    /// Row-major counts: `counts[target * classCount + predicted]`.
    public private(set) var counts: [Int]

    /// A matrix of zeros for classes named `classNames` (unique: reports key classes by name).
    public init(classNames: [String]) {
        precondition(!classNames.isEmpty, "ConfusionMatrix: no classes")
        precondition(Set(classNames).count == classNames.count, "ConfusionMatrix: duplicate class names \(classNames)")
        self.classNames = classNames
        counts = Array(repeating: 0, count: classNames.count * classNames.count)
    }

    /// A matrix of zeros for `classCount` classes named "0", "1", … as sklearn names them by default.
    public init(classCount: Int) {
        self.init(classNames: (0..<classCount).map(String.init))
    }

    public var classCount: Int { classNames.count }

    /// Counts one example.
    public mutating func add(prediction: Int, target: Int) {
        precondition((0..<classCount).contains(target) && (0..<classCount).contains(prediction),
                     "ConfusionMatrix: label pair (\(target), \(prediction)) outside 0..<\(classCount)")
        counts[target * classCount + prediction] += 1
    }

    /// Counts one batch of class indices; the arrays must have the same length.
    public mutating func add<I: BinaryInteger>(predictions: [I], targets: [I]) {
        precondition(predictions.count == targets.count,
                     "ConfusionMatrix: \(predictions.count) predictions for \(targets.count) targets")
        for (p, t) in zip(predictions, targets) { add(prediction: Int(p), target: Int(t)) }
    }

    /// Adds another matrix's counts (same classes), e.g. one kept by another worker.
    public mutating func merge(_ other: ConfusionMatrix) {
        precondition(other.classNames == classNames, "ConfusionMatrix: merging matrices of different classes")
        for i in counts.indices { counts[i] += other.counts[i] }
    }

    /// The number of examples of class `target` predicted as `predicted`.
    public subscript(target target: Int, predicted predicted: Int) -> Int {
        counts[target * classCount + predicted]
    }

    /// Examples counted.
    public var total: Int { counts.reduce(0, +) }

    /// Examples whose prediction equals the target (the diagonal).
    public var correct: Int { (0..<classCount).reduce(0) { $0 + self[target: $1, predicted: $1] } }

    /// Examples of each true class (row sums): sklearn's support.
    public var supports: [Int] {
        (0..<classCount).map { t in (0..<classCount).reduce(0) { $0 + self[target: t, predicted: $1] } }
    }

    /// Examples predicted as each class (column sums).
    public var predictedCounts: [Int] {
        (0..<classCount).map { p in (0..<classCount).reduce(0) { $0 + self[target: $1, predicted: p] } }
    }

    /// Classes that occur as a target or a prediction, ascending: sklearn's default labels.
    public var presentLabels: [Int] {
        let supports = supports, predicted = predictedCounts
        return (0..<classCount).filter { supports[$0] > 0 || predicted[$0] > 0 }
    }

    /// The matrix restricted to `labels`, in their order, as sklearn's `confusion_matrix(labels=)`: examples
    /// whose true or predicted class is not among them are left out.
    public func rows(labels: [Int]? = nil) -> [[Int]] {
        let labels = labels ?? Array(0..<classCount)
        return labels.map { t in labels.map { p in self[target: t, predicted: p] } }
    }

    /// An aligned table with class names: one row per true class, one column per predicted class.
    public func render(labels: [Int]? = nil) -> String {
        let labels = labels ?? Array(0..<classCount)
        let table = rows(labels: labels)
        let names = labels.map { classNames[$0] }
        let corner = "true \\ predicted"
        let nameWidth = max(textWidth(corner), names.map(textWidth).max() ?? 0)
        let columnWidths = labels.indices.map { j in
            max(textWidth(names[j]), table.map { String($0[j]).count }.max() ?? 0)
        }
        var lines = [([rightAligned(corner, nameWidth)] + zip(names, columnWidths).map { rightAligned($0, $1) })
            .joined(separator: "  ")]
        for (name, row) in zip(names, table) {
            let cells = zip(row, columnWidths).map { rightAligned(String($0), $1) }
            lines.append(([rightAligned(name, nameWidth)] + cells).joined(separator: "  "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var description: String { render() }
}
