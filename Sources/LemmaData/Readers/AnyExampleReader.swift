/// Any example reader as one concrete type, so readers that wrap another (`mappingLabels`,
/// `limitingPerClass`) can wrap one chosen at run time (`CorpusSource.open()`).
public struct AnyExampleReader: ExampleReader {
    private var base: any ExampleReader

    public init(_ base: any ExampleReader) { self.base = base }

    public mutating func next() throws -> Example? { try base.next() }
}
