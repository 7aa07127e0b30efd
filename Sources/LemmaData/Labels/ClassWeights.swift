/// Per-class loss weights from label frequencies, to stop a model from ignoring rare classes.
public enum ClassWeights {
    /// scikit-learn's `class_weight="balanced"`: `n_samples / (n_classes * count[c])`, so that every class
    /// carries the same total weight and the average weight per example is 1.
    public static func balanced<Label: Hashable>(_ labels: some Sequence<Label>) -> [Label: Double] {
        balanced(counts: counts(labels))
    }

    public static func balanced<Label: Hashable>(counts: [Label: Int]) -> [Label: Double] {
        let total = Double(counts.values.reduce(0, +))
        let classes = Double(counts.count)
        return counts.mapValues { total / (classes * Double($0)) }
    }

    /// `n_samples / count[c]`: the inverse of each class's frequency (balanced times the class count).
    public static func inverseFrequency<Label: Hashable>(_ labels: some Sequence<Label>) -> [Label: Double] {
        inverseFrequency(counts: counts(labels))
    }

    public static func inverseFrequency<Label: Hashable>(counts: [Label: Int]) -> [Label: Double] {
        let total = Double(counts.values.reduce(0, +))
        return counts.mapValues { total / Double($0) }
    }

    /// The weights in class-index order, for a loss function's weight tensor.
    public static func ordered(_ weights: [String: Double], classes: [String]) -> [Float] {
        classes.map { Float(weights[$0] ?? 0) }
    }

    static func counts<Label: Hashable>(_ labels: some Sequence<Label>) -> [Label: Int] {
        var counts: [Label: Int] = [:]
        for label in labels { counts[label, default: 0] += 1 }
        return counts
    }
}
