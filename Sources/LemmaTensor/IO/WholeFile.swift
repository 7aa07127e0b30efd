import Foundation

/// A whole file read into memory, with the plain one-line errors a user can act on ("no such file", "is a
/// directory, expected …") instead of Foundation's "The operation could not be completed".
public enum WholeFile {
    /// The bytes of the file at `url`; `what` names what the file should be ("a PNG image", "the formula list").
    public static func read(_ url: URL, what: String) throws -> Data {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            throw FileFormatError(url.path, "cannot read \(what): \(reason)")
        }
        guard (info.st_mode & S_IFMT) != S_IFDIR else { throw FileFormatError(url.path, "is a directory, expected \(what)") }
        do { return try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            // Permissions and device errors: Foundation's message carries the POSIX reason in its underlying error.
            let reason = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).map { String(cString: strerror(Int32($0.code))) }
            throw FileFormatError(url.path, "cannot read \(what): \(reason ?? error.localizedDescription)")
        }
    }
}
