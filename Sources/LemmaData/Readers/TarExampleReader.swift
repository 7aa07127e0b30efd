import LemmaTensor

/// Examples from a tar archive with one paragraph per member, as llamapun's `corpus_ams_para_model` writes
/// them (`<label>/<id>.txt`): the text is the member's contents and the label the name of the directory
/// holding it (so `ams/<label>/<id>.txt` works too). Streamed: memory is one member.
public final class TarExampleReader: ExampleReader {
    public let path: String
    /// Only members with this extension (no dot) are examples; nil takes every regular file.
    public let fileExtension: String?
    /// Largest member accepted, so a corrupt size cannot ask for gigabytes.
    public let maxMemberBytes: Int
    private let tar: TarReader

    public init(path: String, fileExtension: String? = "txt", maxMemberBytes: Int = 64 << 20) throws {
        self.path = path
        self.fileExtension = fileExtension
        self.maxMemberBytes = maxMemberBytes
        tar = try TarReader(path: path)
    }

    public func next() throws -> Example? {
        while let entry = try tar.nextEntry() {
            if let fileExtension, !entry.name.hasSuffix("." + fileExtension) { continue }
            let components = entry.name.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
            guard components.count >= 2 else {
                throw FileFormatError(path, "byte \(entry.offset): member \(entry.name) is not inside a label directory (expected <label>/<id>.\(fileExtension ?? "txt"))")
            }
            guard entry.size <= maxMemberBytes else {
                throw FileFormatError(path, "byte \(entry.offset): member \(entry.name) is \(entry.size) bytes, more than the \(maxMemberBytes)-byte limit for one example")
            }
            let bytes = try tar.readContents()
            let text = try decodeUTF8(bytes, path: path, at: "member \(entry.name)")
            let label = String(components[components.count - 2])
            return Example(text: text, label: label, source: ExampleLocation(path: path, member: entry.name))
        }
        return nil
    }
}
