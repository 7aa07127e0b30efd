import Foundation

/// Writes a file so that readers only ever see the old contents or the complete new ones: the bytes go to a
/// temporary file beside the target, are flushed to disk, and the temporary file is renamed over the target.
/// If `write` throws or the process dies, the target is untouched.
public func writeAtomically(to url: URL, _ write: (_ append: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
    let directory = url.deletingLastPathComponent().path
    let temporary = "\(directory)/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FileFormatError(url.path, "cannot create a temporary file in \(directory): \(String(cString: strerror(errno)))") }
    var finished = false
    defer {
        if !finished {
            close(fd)
            unlink(temporary)
        }
    }
    try write { bytes in
        var done = 0
        while done < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileFormatError(url.path, "write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }
    guard fsync(fd) == 0 else { throw FileFormatError(url.path, "fsync failed: \(String(cString: strerror(errno)))") }
    close(fd)
    finished = true
    guard rename(temporary, url.path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw FileFormatError(url.path, "cannot rename the finished file into place: \(reason)")
    }
    // Make the rename itself durable.
    let dirFD = open(directory, O_RDONLY | O_CLOEXEC)
    if dirFD >= 0 {
        fsync(dirFD)
        close(dirFD)
    }
}

/// Moves a completed directory `staging` to `destination`, replacing what is there: the old one is moved
/// aside first and removed only once the new one is in place (put back if that fails), so readers see the
/// old directory or the new one, never a mix. `what` names the contents in errors ("dataset").
public func moveDirectoryIntoPlace(_ staging: URL, at destination: URL, what: String) throws {
    let fm = FileManager.default
    let old = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).old-\(getpid())")
    if fm.fileExists(atPath: destination.path) {
        guard rename(destination.path, old.path) == 0 else {
            throw FileFormatError(destination.path, "cannot move the existing \(what) aside: \(String(cString: strerror(errno)))")
        }
    }
    guard rename(staging.path, destination.path) == 0 else {
        let reason = String(cString: strerror(errno))
        _ = rename(old.path, destination.path)
        throw FileFormatError(destination.path, "cannot move the new \(what) into place: \(reason)")
    }
    try? fm.removeItem(at: old)
}

