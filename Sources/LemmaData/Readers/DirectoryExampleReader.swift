import Foundation
import LemmaTensor

/// Examples from a directory with one file per example and one sub-directory per label
/// (`root/<label>/<file>`, as many classification corpora ship). Labels and files are visited in sorted
/// order, so every run sees the same sequence; files deeper down take the label of their top sub-directory,
/// and files directly in the root have no label. Hidden files are skipped. Only one directory's listing is
/// held at a time.
public final class DirectoryExampleReader: ExampleReader {
    public let root: String
    /// Only files with this extension (no dot) are read; nil reads every file.
    public let fileExtension: String?
    public let maxFileBytes: Int
    /// Directories still to list, with their label; the top is listed next.
    private var pendingDirectories: [(path: String, label: String?)]
    private var pendingFiles: [(path: String, label: String?)] = []

    public init(directory: String, fileExtension: String? = "txt", maxFileBytes: Int = 64 << 20) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileFormatError(directory, "is not a directory")
        }
        root = directory
        self.fileExtension = fileExtension
        self.maxFileBytes = maxFileBytes
        pendingDirectories = [(directory, nil)]
    }

    public func next() throws -> Example? {
        while true {
            if let file = pendingFiles.popLast() {
                let bytes = try readFile(file.path)
                let member = String(file.path.dropFirst(root.count).drop(while: { $0 == "/" }))
                let text = try decodeUTF8(bytes, path: file.path, at: "the file")
                return Example(text: text, label: file.label, source: ExampleLocation(path: root, member: member))
            }
            guard let directory = pendingDirectories.popLast() else { return nil }
            try list(directory)
        }
    }

    /// Queues a directory's files and sub-directories, in reverse sorted order so `popLast` visits them sorted.
    private func list(_ directory: (path: String, label: String?)) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw FileFormatError(directory.path, "cannot list the directory: \(error.localizedDescription)")
        }
        var files: [(String, String?)] = []
        var directories: [(String, String?)] = []
        for name in names {
            let path = directory.path + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                directories.append((path, directory.label ?? name))
            } else if fileExtension.map({ name.hasSuffix("." + $0) }) ?? true {
                files.append((path, directory.label))
            }
        }
        pendingDirectories.append(contentsOf: directories.reversed())
        pendingFiles.append(contentsOf: files.reversed())
    }

    private func readFile(_ path: String) throws -> [UInt8] {
        let reader = try FileByteReader(path: path, bufferSize: 1 << 16)
        guard reader.fileSize <= maxFileBytes else {
            throw FileFormatError(path, "is \(reader.fileSize) bytes, more than the \(maxFileBytes)-byte limit for one example")
        }
        var bytes = [UInt8](repeating: 0, count: reader.fileSize)
        let complete = try bytes.withUnsafeMutableBytes { try reader.read(into: $0) }
        guard complete else { throw FileFormatError(path, "file shrank while it was read") }
        return bytes
    }
}
