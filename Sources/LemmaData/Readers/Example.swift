/// Where an example came from, for error messages and for tracing a prediction back to its source.
public struct ExampleLocation: Hashable, Sendable, CustomStringConvertible {
    public var path: String
    /// 1-based line where the example starts (CSV, JSONL, text lines).
    public var line: Int?
    /// Archive member name (tar) or file inside a directory.
    public var member: String?

    public init(path: String, line: Int? = nil, member: String? = nil) {
        self.path = path
        self.line = line
        self.member = member
    }

    public var description: String {
        var text = path
        if let member { text += "(\(member))" }
        if let line { text += ":\(line)" }
        return text
    }

    /// The place, without the path, for a `FileFormatError` message (which names the path itself).
    public var place: String {
        switch (member, line) {
        case let (member?, line?): "member \(member), line \(line)"
        case let (member?, nil): "member \(member)"
        case let (nil, line?): "line \(line)"
        case (nil, nil): "example"
        }
    }
}

/// One labelled (or unlabelled) text.
public struct Example: Hashable, Sendable {
    public var text: String
    public var label: String?
    public var source: ExampleLocation

    public init(text: String, label: String?, source: ExampleLocation) {
        self.text = text
        self.label = label
        self.source = source
    }
}

/// A stream of examples read one at a time in constant memory: `while let example = try reader.next()`.
/// Every reader throws `FileFormatError` (naming the file and the line or member) at the first bad input.
public protocol ExampleReader {
    mutating func next() throws -> Example?
}

extension ExampleReader {
    /// Reads the rest of the stream into an array (at most `limit` examples).
    public mutating func readAll(limit: Int = .max) throws -> [Example] {
        var examples: [Example] = []
        while examples.count < limit, let example = try next() { examples.append(example) }
        return examples
    }

    /// Calls `body` with each remaining example.
    public mutating func forEach(_ body: (Example) throws -> Void) throws {
        while let example = try next() { try body(example) }
    }
}
