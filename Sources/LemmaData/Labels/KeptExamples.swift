/// The examples of a corpus that survive a label map and a per-class limit, with their final labels, in
/// stream order: the one pass `lemma prepare` and a classification run's data preparation read a corpus
/// through (`LabelMappingReader`, then `PerClassLimitReader`).
public struct KeptExamples {
    public let source: CorpusSource
    public let map: LabelMap?
    public let maxPerClass: Int?
    /// After `forEach`: examples whose label the map does not list, by label (what its policy did with them
    /// is `map.unknownLabels`).
    public private(set) var unknownLabelCounts: [String: Int] = [:]

    public init(_ source: CorpusSource, map: LabelMap?, maxPerClass: Int?) {
        self.source = source
        self.map = map
        self.maxPerClass = maxPerClass
    }

    public mutating func forEach(_ body: (Example) throws -> Void) throws {
        let opened = AnyExampleReader(try source.open())
        let limit = maxPerClass ?? .max
        if let map {
            var reader = opened.mappingLabels(map).limitingPerClass(limit)
            defer { unknownLabelCounts = reader.base.unknownLabelCounts }
            while let example = try reader.next() { try body(example) }
        } else {
            var reader = opened.limitingPerClass(limit)
            while let example = try reader.next() { try body(example) }
        }
    }

    /// One line for the log about the labels the map lacks, or nil when every label was in it.
    public var unknownLabelSummary: String? {
        guard let map, !unknownLabelCounts.isEmpty else { return nil }
        let total = unknownLabelCounts.values.reduce(0, +)
        let counts = unknownLabelCounts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }
        let what: String
        switch map.unknownLabels {
        case .skip: what = "skipped"
        case .keep: what = "kept under their own labels"
        case .mapTo(let name): what = "put in class '\(name)'"
        case .error: what = "rejected"
        }
        return "\(source.path): \(total) examples with labels outside the label map \(what): \(counts.joined(separator: ", "))"
    }
}
