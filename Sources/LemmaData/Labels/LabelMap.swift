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
        /// Give the example this class instead (an "other" bucket; `with(unknownLabels:)` adds the class).
        case mapTo(String)

        /// `error`, `skip`, `keep` or `map:<class>`, as configs and the command line write it.
        public init(parsing text: String) throws {
            switch text {
            case "error": self = .error
            case "skip": self = .skip
            case "keep": self = .keep
            case let other where other.hasPrefix("map:") && other.count > 4: self = .mapTo(String(other.dropFirst(4)))
            default:
                throw FileFormatError("unknown labels", "'\(text)' is not a policy; expected error, skip, keep or map:<class>")
            }
        }
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

    /// The same map with another policy for labels it does not list; `mapTo` a class it lacks adds that class
    /// last.
    public func with(unknownLabels policy: UnknownLabels) -> LabelMap {
        var classes = self.classes
        if case .mapTo(let name) = policy, !classes.contains(name) { classes.append(name) }
        return LabelMap(mapping, classes: classes, unknownLabels: policy)
    }

    /// Whether the map lists `label` (examples with other labels go by `unknownLabels`).
    public func lists(_ label: String?) -> Bool { label.map { mapping[$0] != nil } ?? false }

    /// Index of an output class.
    public func index(of label: String) -> Int? { classes.firstIndex(of: label) }

    /// The class of `example`'s label, or nil when the example is to be dropped.
    public func map(_ example: Example) throws -> String? {
        guard let label = example.label else {
            switch unknownLabels {
            case .skip: return nil
            case .mapTo(let name): return name
            case .error, .keep: throw FileFormatError(example.source.path, "\(example.source.place): example has no label")
            }
        }
        if let target = mapping[label] { return target }
        switch unknownLabels {
        case .error:
            throw FileFormatError(example.source.path, "\(example.source.place): label '\(label)' is not in the label map (known: \(mapping.keys.sorted().joined(separator: ", ")); set the unknown-label policy to skip or map:<class> to go on)")
        case .skip: return nil
        case .keep: return label
        case .mapTo(let name): return name
        }
    }
}

/// An `ExampleReader` whose labels go through a `LabelMap`; dropped examples are skipped.
public struct LabelMappingReader<Base: ExampleReader>: ExampleReader {
    public var base: Base
    public let map: LabelMap
    /// Examples whose label the map does not list (skipped, kept or re-classed by its policy), by label;
    /// "(no label)" for unlabelled ones. For the log: which labels a corpus has that the map lacks.
    public private(set) var unknownLabelCounts: [String: Int] = [:]

    public init(base: Base, map: LabelMap) {
        self.base = base
        self.map = map
    }

    public mutating func next() throws -> Example? {
        while var example = try base.next() {
            let target = try map.map(example)
            if !map.lists(example.label) { unknownLabelCounts[example.label ?? "(no label)", default: 0] += 1 }
            guard let target else { continue }
            example.label = target
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
