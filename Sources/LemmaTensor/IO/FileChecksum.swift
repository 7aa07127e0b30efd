import CLemmaKernels
import Foundation

/// CRC-32C of files (checkpoint integrity): the file is mapped, not read into memory, and checksummed with the
/// CPU's crc32 instruction.
public enum FileChecksum {
    public static func crc32c(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        lemma_crc32c(0, bytes.baseAddress, bytes.count)
    }

    /// The CRC-32C and size of a file.
    public static func crc32c(of url: URL) throws -> (crc: UInt32, bytes: Int) {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw FileFormatError(url.path, "cannot read: \(error.localizedDescription)")
        }
        return (data.withUnsafeBytes { crc32c($0) }, data.count)
    }
}
