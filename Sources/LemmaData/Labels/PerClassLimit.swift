import LemmaTensor

/// An `ExampleReader` that passes at most `limit` examples of each label, the first ones in stream order
/// (unlabelled examples count as one class). Memory is one counter per label.
public struct PerClassLimitReader<Base: ExampleReader>: ExampleReader {
    public var base: Base
    public let limit: Int
    private var counts: [String?: Int] = [:]

    init(base: Base, limit: Int) {
        precondition(limit >= 0, "PerClassLimitReader: limit \(limit) is negative")
        self.base = base
        self.limit = limit
    }

    public mutating func next() throws -> Example? {
        while let example = try base.next() {
            let seen = counts[example.label, default: 0]
            guard seen < limit else { continue }
            counts[example.label] = seen + 1
            return example
        }
        return nil
    }
}

extension ExampleReader {
    /// The first `limit` examples of each label.
    public func limitingPerClass(_ limit: Int) -> PerClassLimitReader<Self> {
        PerClassLimitReader(base: self, limit: limit)
    }

    /// A uniform random sample of at most `limit` examples per label, drawn in one pass by reservoir
    /// sampling (Algorithm R per label, with `RandomGenerator(seed:)`), returned in stream order. Memory is
    /// `limit` examples per label.
    public mutating func sampleReservoirPerClass(limit: Int, seed: UInt64) throws -> [Example] {
        precondition(limit >= 0, "sampleReservoirPerClass: limit \(limit) is negative")
        let generator = RandomGenerator(seed: seed)
        var reservoirs: [String?: [(index: Int, example: Example)]] = [:]
        var seen: [String?: Int] = [:]
        var index = 0
        while let example = try next() {
            defer { index += 1 }
            let count = seen[example.label, default: 0] + 1
            seen[example.label] = count
            if count <= limit {
                reservoirs[example.label, default: []].append((index, example))
            } else {
                // Keep this one with probability limit / count, replacing a uniformly chosen kept one.
                let slot = generator.nextInt(below: count)
                if slot < limit { reservoirs[example.label]![slot] = (index, example) }
            }
        }
        return reservoirs.values.joined().sorted { $0.index < $1.index }.map(\.example)
    }
}
