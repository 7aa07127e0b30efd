/// Which part of a dataset an example belongs to.
public enum DataSplit: String, Sendable, CaseIterable {
    case train, valid, test
}

/// A stratified train/valid/test split: within each class, examples are ordered by `stableHash(seed,
/// index)` of their position in the dataset and cut at the requested fractions (valid and test rounded to
/// the nearest example, train takes the rest). The result depends only on the labels, the seed and the
/// fractions: the same on every run and machine.
public struct StratifiedSplit: Sendable, Equatable {
    public let train: Double
    public let valid: Double
    public let test: Double
    public let seed: UInt64

    /// Fractions must be non-negative and sum to 1.
    public init(train: Double, valid: Double, test: Double, seed: UInt64) {
        precondition(train >= 0 && valid >= 0 && test >= 0 && abs(train + valid + test - 1) < 1e-9,
                     "StratifiedSplit: fractions \(train), \(valid), \(test) must be non-negative and sum to 1")
        self.train = train
        self.valid = valid
        self.test = test
        self.seed = seed
    }

    /// The split of each example, given the labels in dataset order.
    public func assign<Label: Hashable>(labels: [Label]) -> [DataSplit] {
        var byClass: [Label: [Int]] = [:]
        for (index, label) in labels.enumerated() { byClass[label, default: []].append(index) }
        var result = [DataSplit](repeating: .train, count: labels.count)
        for indices in byClass.values {
            let ordered = indices.map { (key: stableHash(seed: seed, index: UInt64($0)), index: $0) }
                .sorted { $0.key != $1.key ? $0.key < $1.key : $0.index < $1.index }
                .map(\.index)
            let testCount = Int((Double(ordered.count) * test).rounded())
            let validCount = min(Int((Double(ordered.count) * valid).rounded()), ordered.count - testCount)
            for (rank, index) in ordered.enumerated() {
                result[index] = rank < testCount ? .test : (rank < testCount + validCount ? .valid : .train)
            }
        }
        return result
    }

    /// `items` split three ways, each part in the original order.
    public func split<T, Label: Hashable>(_ items: [T], label: (T) -> Label) -> (train: [T], valid: [T], test: [T]) {
        let splits = assign(labels: items.map(label))
        var parts: (train: [T], valid: [T], test: [T]) = ([], [], [])
        for (item, split) in zip(items, splits) {
            switch split {
            case .train: parts.train.append(item)
            case .valid: parts.valid.append(item)
            case .test: parts.test.append(item)
            }
        }
        return parts
    }
}
