import LemmaTensor

/// A member of a tar archive: its path and the size of its data.
public struct TarEntry: Sendable, Equatable {
    public let name: String
    public let size: Int
    /// Offset of the member's header in the archive.
    public let offset: Int

    public init(name: String, size: Int, offset: Int) {
        self.name = name
        self.size = size
        self.offset = offset
    }
}

/// Reads a tar archive as a stream of regular files, in archive order: 512-byte headers are checked
/// against their checksum, directories and links are skipped, GNU long names and pax `path` and `size`
/// records are applied. A truncated archive or a corrupt header is an error naming the member and offset.
public final class TarReader {
    public let path: String
    private let reader: FileByteReader
    /// Bytes of the current member's data not yet read, and its padding.
    private var unread = 0
    private var padding = 0
    private var current: TarEntry?
    private var finished = false

    public init(path: String) throws {
        self.path = path
        reader = try FileByteReader(path: path)
    }

    /// The next regular file, or nil after the end-of-archive marker (or a clean end of file).
    public func nextEntry() throws -> TarEntry? {
        try skipRest()
        guard !finished else { return nil }
        var longName: [UInt8]?
        var paxPath: [UInt8]?
        var paxSize: Int?
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 512, alignment: 8)
        defer { block.deallocate() }
        while true {
            let offset = reader.offset
            let afterPrevious = current.map { " after member \($0.name)" } ?? ""
            guard try reader.read(into: block) else {
                if reader.offset == offset, longName == nil, paxPath == nil {
                    // No end-of-archive blocks: tolerated, as GNU tar does.
                    finished = true
                    return nil
                }
                throw FileFormatError(path, "byte \(offset): archive ends inside a header\(afterPrevious)")
            }
            if TarHeader.isZero(UnsafeRawBufferPointer(block)) {
                finished = true
                return nil
            }
            let header: TarHeader
            do {
                header = try TarHeader(UnsafeRawBufferPointer(block))
            } catch let error as TarHeader.Failure {
                throw FileFormatError(path, "byte \(offset): \(error.message) (header\(afterPrevious))")
            }
            let size = header.kind == .file ? (paxSize ?? header.size) : header.size
            let nameBytes = longName ?? paxPath ?? header.name
            let displayName = String(decoding: nameBytes, as: UTF8.self)
            guard size <= reader.fileSize - reader.offset else {
                throw FileFormatError(path, "byte \(offset): member \(displayName) declares \(size) bytes but the archive ends after \(reader.fileSize - reader.offset) (truncated)")
            }
            switch header.kind {
            case .gnuLongName, .paxExtended:
                guard size <= 1 << 20 else { throw FileFormatError(path, "byte \(offset): extended header of \(size) bytes is too large") }
                let data = try readData(size, member: displayName, offset: offset)
                if header.kind == .gnuLongName {
                    longName = Array(data.prefix(while: { $0 != 0 }))
                } else {
                    let records = try parsePax(data, offset: offset)
                    paxPath = records.path ?? paxPath
                    paxSize = records.size ?? paxSize
                }
            case .file:
                try nameBytes.withUnsafeBytes { try requireUTF8($0, path: path, at: "byte \(offset), a member name") }
                let entry = TarEntry(name: displayName, size: size, offset: offset)
                current = entry
                unread = size
                padding = (512 - size % 512) % 512
                return entry
            default:
                try skipData(size, member: displayName, offset: offset)
                longName = nil
                paxPath = nil
                paxSize = nil
            }
        }
    }

    /// The current member's data (all of it, or what is left of it).
    public func readContents() throws -> [UInt8] {
        guard let current else { return [] }
        var bytes = [UInt8](repeating: 0, count: unread)
        let complete = try bytes.withUnsafeMutableBytes { try reader.read(into: $0) }
        guard complete else {
            throw FileFormatError(path, "byte \(reader.offset): archive ends inside member \(current.name) (truncated)")
        }
        unread = 0
        return bytes
    }

    private func skipRest() throws {
        guard let current, unread + padding > 0 else { return }
        let wanted = unread + padding
        let skipped = try reader.skip(wanted)
        // The final member's padding may be missing in archives cut at a block boundary.
        guard skipped >= unread else {
            throw FileFormatError(path, "byte \(reader.offset): archive ends inside member \(current.name) (truncated)")
        }
        unread = 0
        padding = 0
    }

    /// An extended header's data, and its padding.
    private func readData(_ size: Int, member: String, offset: Int) throws -> [UInt8] {
        var data = [UInt8](repeating: 0, count: size)
        guard try data.withUnsafeMutableBytes({ try reader.read(into: $0) }) else {
            throw FileFormatError(path, "byte \(offset): archive ends inside member \(member) (truncated)")
        }
        _ = try reader.skip((512 - size % 512) % 512)
        return data
    }

    /// Skips a member that is not a regular file (its data, if any, and its padding).
    private func skipData(_ size: Int, member: String, offset: Int) throws {
        let skipped = try reader.skip(size + (512 - size % 512) % 512)
        guard skipped >= size else {
            throw FileFormatError(path, "byte \(offset): archive ends inside member \(member) (truncated)")
        }
    }

    /// pax records: `"<length> <key>=<value>\n"`, the length counting the whole record.
    private func parsePax(_ data: [UInt8], offset: Int) throws -> (path: [UInt8]?, size: Int?) {
        var position = 0
        var path: [UInt8]?
        var size: Int?
        while position < data.count {
            var length = 0
            var cursor = position
            while cursor < data.count, data[cursor] >= 0x30, data[cursor] <= 0x39, length < 1 << 24 {
                length = length * 10 + Int(data[cursor] - 0x30)
                cursor += 1
            }
            guard cursor < data.count, data[cursor] == 0x20, length > cursor - position + 1,
                  length <= data.count - position, data[position + length - 1] == 0x0A else {
                if data[position...].allSatisfy({ $0 == 0 }) { break }
                throw FileFormatError(self.path, "byte \(offset): malformed pax extended header record at byte \(position)")
            }
            let record = data[(cursor + 1)..<(position + length - 1)]
            if let equals = record.firstIndex(of: 0x3D) {
                let key = record[record.startIndex..<equals]
                let value = record[(equals + 1)...]
                if key.elementsEqual("path".utf8) { path = Array(value) }
                if key.elementsEqual("size".utf8) {
                    guard !value.isEmpty, value.count <= 18, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                        throw FileFormatError(self.path, "byte \(offset): pax size record is not a number")
                    }
                    size = value.reduce(0) { $0 * 10 + Int($1 - 0x30) }
                }
            }
            position += length
        }
        return (path, size)
    }
}
