import LemmaTensor

/// Little-endian reads over a memory-mapped file, bounds-checked: running past the end is a
/// `FileFormatError` that names the byte offset and the field being read, never a crash.
struct BinaryCursor {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, path: String, offset: Int = 0) {
        self.bytes = bytes
        self.path = path
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    func error(_ message: String, at position: Int? = nil) -> FileFormatError {
        FileFormatError(path, "byte \(position ?? offset): \(message)")
    }

    mutating func require(_ count: Int, for what: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw error("file ends inside \(what()) (needs \(count) bytes, \(remaining) left)")
        }
    }

    mutating func load<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try require(MemoryLayout<T>.size, for: what())
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    mutating func int32(_ what: @autoclosure () -> String) throws -> Int { Int(try load(Int32.self, what())) }
    mutating func int64(_ what: @autoclosure () -> String) throws -> Int64 { try load(Int64.self, what()) }
    mutating func uint8(_ what: @autoclosure () -> String) throws -> UInt8 { try load(UInt8.self, what()) }

    mutating func float64(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try load(UInt64.self, what()))
    }

    /// Bytes up to (not including) the next NUL, which is consumed; at most `maxLength` bytes.
    mutating func cString(_ what: @autoclosure () -> String, maxLength: Int) throws -> UnsafeRawBufferPointer {
        let start = offset
        let limit = min(bytes.count, start + maxLength + 1)
        var end = start
        while end < limit, bytes[end] != 0 { end += 1 }
        guard end < limit, end < bytes.count else {
            if end >= bytes.count { throw error("file ends inside \(what()) (no terminating NUL byte)", at: start) }
            throw error("\(what()) is longer than \(maxLength) bytes (no NUL byte found)", at: start)
        }
        offset = end + 1
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// The next `count` bytes, without copying.
    mutating func slice(_ count: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        try require(count, for: what())
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }
}
