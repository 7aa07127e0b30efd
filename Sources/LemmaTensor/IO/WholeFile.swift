import Foundation

/// A whole file read into memory, with the plain one-line errors a user can act on ("no such file", "is a
/// directory, expected …", "Permission denied") instead of Foundation's "The operation could not be completed".
public enum WholeFile {
    /// The bytes of the file at `url`; `what` names what the file should be ("a PNG image", "the formula list").
    public static func read(_ url: URL, what: String) throws -> Data {
        // Opening first gives the POSIX reason for any failure (Foundation's error does not carry it here).
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw FileFormatError(url.path, "cannot read \(what): " + (errno == ENOENT ? "no such file" : String(cString: strerror(errno))))
        }
        var info = stat()
        let isDirectory = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
        close(fd)
        guard !isDirectory else { throw FileFormatError(url.path, "is a directory, expected \(what)") }
        do { return try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw FileFormatError(url.path, "cannot read \(what): \(error.localizedDescription)")
        }
    }
}
