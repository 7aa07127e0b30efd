/// An error reading or writing a file, naming the file and what was expected. One line, for users.
public struct FileFormatError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
