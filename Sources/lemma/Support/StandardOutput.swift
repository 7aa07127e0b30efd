import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes results to standard output unbuffered, so headers and streamed tokens arrive in order. A write
/// that fails (a full disk, say) ends the command with one line naming the cause and status 1: FileHandle's
/// `write` would crash on it, and stdio's buffer would drop it and let the command report success.
func emit(_ text: String) {
    fflush(stdout)  // what `print` buffered comes first
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno == EINTR { continue }
            standardOutputFailed(String(cString: strerror(errno)))
        }
        bytes = bytes.dropFirst(written)
    }
}

/// Flushes what `print` buffered once a command has finished, and fails as `emit` does if any of it was lost.
func flushStandardOutput() {
    if fflush(stdout) != 0 { standardOutputFailed(String(cString: strerror(errno))) }
    if ferror(stdout) != 0 { standardOutputFailed("an earlier write failed") }
}

private func standardOutputFailed(_ reason: String) -> Never {
    FileHandle.standardError.write(Data("Error: cannot write to standard output: \(reason)\n".utf8))
    exit(1)
}
