import LemmaTensor

/// Renames, merges and drops labels: each source label maps to an output class or to nothing (dropped).
/// The output classes are numbered in `classes` order, which fixes the meaning of a model's outputs.
public struct LabelMap: Sendable, Equatable {
    /// What to do with a label the map does not list.
    public enum UnknownLabels: Sendable, Equatable {
        /// Throw a `FileFormatError` naming the example (the default: a typo should not silently drop data).
        case error
        /// Drop the example.
        case skip
        /// Keep the label as it is (it must then be one of `classes` to have an index).
        case keep
    }

    /// Output classes, in index order.
    public let classes: [String]
    /// Source label → output class, or nil to drop examples with that label.
    public let mapping: [String: String?]
    public var unknownLabels: UnknownLabels

    /// `classes` defaults to the distinct targets of `mapping`, sorted.
    public init(_ mapping: [String: String?], classes: [String]? = nil, unknownLabels: UnknownLabels = .error) {
        let targets = Set(mapping.values.compactMap { $0 })
        let ordered = classes ?? targets.sorted()
        precondition(targets.isSubset(of: ordered), "LabelMap: targets \(targets.subtracting(ordered).sorted()) are not among the classes")
        precondition(Set(ordered).count == ordered.count, "LabelMap: classes \(ordered) repeat a name")
        self.classes = ordered
        self.mapping = mapping
        self.unknownLabels = unknownLabels
    }

    /// A map that keeps exactly `classes` and treats everything else by `unknownLabels`.
    public init(keeping classes: [String], unknownLabels: UnknownLabels = .error) {
        self.init(Dictionary(uniqueKeysWithValues: classes.map { ($0, Optional($0)) }), classes: classes, unknownLabels: unknownLabels)
    }

    /// Index of an output class.
    public func index(of label: String) -> Int? { classes.firstIndex(of: label) }

    /// The class of `example`'s label, or nil when the example is to be dropped.
    public func map(_ example: Example) throws -> String? {
        guard let label = example.label else {
            if unknownLabels == .skip { return nil }
            throw FileFormatError(example.source.path, "\(example.source.place): example has no label")
        }
        if let target = mapping[label] { return target }
        switch unknownLabels {
        case .error:
            throw FileFormatError(example.source.path, "\(example.source.place): label '\(label)' is not in the label map (known: \(mapping.keys.sorted().joined(separator: ", ")))")
        case .skip: return nil
        case .keep: return label
        }
    }
}

/// An `ExampleReader` whose labels go through a `LabelMap`; dropped examples are skipped.
public struct LabelMappingReader<Base: ExampleReader>: ExampleReader {
    public var base: Base
    public let map: LabelMap

    public mutating func next() throws -> Example? {
        while var example = try base.next() {
            guard let label = try map.map(example) else { continue }
            example.label = label
            return example
        }
        return nil
    }
}

extension ExampleReader {
    /// Maps labels through `map`, dropping what it drops.
    public func mappingLabels(_ map: LabelMap) -> LabelMappingReader<Self> {
        LabelMappingReader(base: self, map: map)
    }
}
