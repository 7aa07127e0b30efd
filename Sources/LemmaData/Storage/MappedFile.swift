import Foundation
import LemmaTensor

/// A read-only memory mapping of a whole file. Pages load on first touch and can be dropped by the kernel
/// under memory pressure, so mapping a corpus larger than RAM is fine.
final class MappedFile {
    let path: String
    let byteCount: Int
    private let base: UnsafeRawPointer?

    init(_ url: URL) throws {
        path = url.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileFormatError(path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileFormatError(path, "cannot stat: \(String(cString: strerror(errno)))") }
        byteCount = Int(info.st_size)
        if byteCount == 0 {
            base = nil
            return
        }
        let mapped = mmap(nil, byteCount, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw FileFormatError(path, "cannot map: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), byteCount) }
    }

    func count<T>(of: T.Type) -> Int { byteCount / MemoryLayout<T>.stride }

    func buffer<T>(of: T.Type) -> UnsafeBufferPointer<T> {
        guard let base else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: T.self), count: count(of: T.self))
    }

    func element<T>(_ index: Int, as: T.Type) -> T {
        base!.load(fromByteOffset: index * MemoryLayout<T>.stride, as: T.self)
    }
}
