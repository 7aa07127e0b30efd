import Foundation
import LemmaTensor

/// Sequential reads from a file through one fixed buffer, so a reader of a 26 GB archive or a 5 GB vector
/// file holds a megabyte, not the file. Every failure is a `FileFormatError` naming the file.
final class FileByteReader {
    let path: String
    /// The size when opened, for checking declared counts before allocating from them.
    let fileSize: Int
    private let fd: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var bufferOffset = 0
    private var atEOF = false

    init(path: String, bufferSize: Int = 1 << 20) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileFormatError(path, "cannot open: \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw FileFormatError(path, "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) != S_IFDIR else {
            close(fd)
            throw FileFormatError(path, "is a directory, expected a file")
        }
        self.fd = fd
        fileSize = Int(info.st_size)
        buffer = .allocate(byteCount: max(bufferSize, 4096), alignment: 16)
    }

    deinit {
        close(fd)
        buffer.deallocate()
    }

    /// Offset in the file of the next unread byte.
    var offset: Int { bufferOffset + start }

    /// The buffered, unread bytes; empty only at the end of the file after `fill()` returned false.
    var available: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[start..<end]) }

    func consume(_ count: Int) {
        precondition(count <= end - start)
        start += count
    }

    /// Reads more bytes after the unread ones; false when the file has no more.
    @discardableResult
    func fill() throws -> Bool {
        if atEOF { return false }
        if start > 0 {
            let unread = end - start
            if unread > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: unread) }
            bufferOffset += start
            start = 0
            end = unread
        }
        guard end < buffer.count else { return true }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress! + end, buffer.count - end)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileFormatError(path, "read failed at byte \(bufferOffset + end): \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                atEOF = true
                return false
            }
            end += n
            return true
        }
    }

    /// The next byte, or nil at the end of the file.
    @inline(__always)
    func readByte() throws -> UInt8? {
        if start == end, try !fill(), start == end { return nil }
        let byte = buffer[start]
        start += 1
        return byte
    }

    /// Copies exactly `destination.count` bytes; false (with some bytes copied) when the file ends first.
    func read(into destination: UnsafeMutableRawBufferPointer) throws -> Bool {
        var copied = 0
        while copied < destination.count {
            if start == end, try !fill(), start == end { return false }
            let n = min(end - start, destination.count - copied)
            (destination.baseAddress! + copied).copyMemory(from: buffer.baseAddress! + start, byteCount: n)
            start += n
            copied += n
        }
        return true
    }

    /// Skips `count` bytes; returns how many were skipped (fewer only at the end of the file).
    func skip(_ count: Int) throws -> Int {
        let buffered = min(count, end - start)
        start += buffered
        var remaining = count - buffered
        guard remaining > 0 else { return count }
        // Past the buffer: seek instead of reading what we would throw away.
        let target = offset + remaining
        let clamped = min(target, fileSize)
        if clamped > offset {
            guard lseek(fd, off_t(clamped), SEEK_SET) >= 0 else {
                throw FileFormatError(path, "seek failed at byte \(offset): \(String(cString: strerror(errno)))")
            }
            remaining -= clamped - offset
            bufferOffset = clamped
            start = 0
            end = 0
        }
        // The file may have grown since it was opened; read through whatever is left.
        while remaining > 0 {
            if start == end, try !fill(), start == end { break }
            let n = min(end - start, remaining)
            start += n
            remaining -= n
        }
        return count - remaining
    }

    /// Calls `body` with each buffered chunk of the rest of the file, consuming it.
    func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        while true {
            if start == end, try !fill(), start == end { return }
            let chunk = available
            start = end
            try body(chunk)
        }
    }
}
