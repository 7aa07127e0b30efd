import Foundation
import LemmaTensor

/// Reads one column of UTF-8 strings from a Parquet file, as pandas and pyarrow write word lists: a flat
/// schema, pages uncompressed or Snappy-compressed, values PLAIN or dictionary-encoded, data pages of
/// version 1 or 2. Nulls, nested schemas and other codecs are refused with a clear error.
enum ParquetStringColumn {
    /// More values than bytes in the file is taken for corruption: RLE could claim any count, but every
    /// word of a word list costs at least a byte.
    static let maxValuesPerFileByte = 1

    static func read(path: String, column name: String? = nil) throws -> [String] {
        let file = try MappedFile(URL(fileURLWithPath: path))
        let bytes = UnsafeRawBufferPointer(file.buffer(of: UInt8.self))
        return try ParquetColumnDecoder(bytes: bytes, path: path).readStrings(column: name)
    }
}

/// The work of `ParquetStringColumn.read` over a file's bytes.
struct ParquetColumnDecoder {
    let bytes: UnsafeRawBufferPointer
    let path: String

    func fail(_ message: String, at offset: Int) -> FileFormatError {
        FileFormatError(path, "parquet byte \(offset): \(message)")
    }

    func readStrings(column name: String?) throws -> [String] {
        let magic = Array("PAR1".utf8)
        guard bytes.count >= 12, bytes.prefix(4).elementsEqual(magic), bytes.suffix(4).elementsEqual(magic) else {
            throw fail("expected the magic PAR1 at both ends of a Parquet file", at: 0)
        }
        let footerLength = (0..<4).reduce(0) { $0 | Int(bytes[bytes.count - 8 + $1]) << (8 * $1) }
        guard footerLength <= bytes.count - 12 else {
            throw fail("footer length \(footerLength) runs past the start of the file", at: bytes.count - 8)
        }
        let footerStart = bytes.count - 8 - footerLength
        let metadata = try thriftStruct(at: footerStart, end: bytes.count - 8, what: "file metadata")

        // Schema: the root, then one element per column (children of nested groups are not supported).
        guard let schema = metadata.list(2)?.compactMap({ value -> ThriftStruct? in
            if case .structure(let element) = value { return element }
            return nil
        }), schema.count >= 2 else { throw fail("file metadata has no column schema", at: footerStart) }
        var columns: [(name: String, type: Int64?, repetition: Int64?)] = []
        for element in schema.dropFirst() {
            guard (element.int(5) ?? 0) == 0 else { throw fail("nested schemas are not supported; expected flat columns", at: footerStart) }
            let nameRange = element.binary(4) ?? 0..<0
            let columnName = try decodeUTF8(UnsafeRawBufferPointer(rebasing: bytes[nameRange]), path: path, at: "parquet byte \(nameRange.lowerBound), a column name")
            columns.append((columnName, element.int(1), element.int(3)))
        }
        let index: Int
        if let name {
            guard let found = columns.firstIndex(where: { $0.name == name }) else {
                throw fail("no column named '\(name)'; the columns are \(columns.map(\.name))", at: footerStart)
            }
            index = found
        } else {
            guard columns.count == 1 else {
                throw fail("\(columns.count) columns \(columns.map(\.name)); say which one holds the words", at: footerStart)
            }
            index = 0
        }
        guard columns[index].type == 6 else {
            throw fail("column '\(columns[index].name)' has physical type \(columns[index].type ?? -1), expected BYTE_ARRAY (6) strings", at: footerStart)
        }
        let repetition = columns[index].repetition ?? 0
        guard repetition == 0 || repetition == 1 else {
            throw fail("column '\(columns[index].name)' is repeated; expected one string per row", at: footerStart)
        }

        let totalRows = metadata.int(3) ?? 0
        let maxValues = Int64(max(1 << 16, ParquetStringColumn.maxValuesPerFileByte * bytes.count))
        guard totalRows >= 0, totalRows <= maxValues else {
            throw fail("file declares \(totalRows) rows, implausible for a \(bytes.count)-byte file", at: footerStart)
        }
        var values: [String] = []
        values.reserveCapacity(Int(totalRows))
        for (group, value) in (metadata.list(4) ?? []).enumerated() {
            guard case .structure(let rowGroup) = value, let chunks = rowGroup.list(1), index < chunks.count,
                  case .structure(let chunk) = chunks[index], let meta = chunk.structure(3) else {
                throw fail("row group \(group) has no chunk for column \(index)", at: footerStart)
            }
            guard chunk.binary(1) == nil else { throw fail("column chunks in other files are not supported", at: footerStart) }
            try readChunk(meta, optional: repetition == 1, limit: footerStart, maxValues: maxValues, into: &values)
        }
        guard values.count == Int(totalRows) else {
            throw fail("read \(values.count) values, the file metadata declares \(totalRows) rows", at: footerStart)
        }
        return values
    }

    private func thriftStruct(at offset: Int, end: Int, what: String) throws -> ThriftStruct {
        var reader = ThriftCompactReader(UnsafeRawBufferPointer(rebasing: bytes[..<end]), at: offset)
        do {
            return try reader.readStruct()
        } catch let error as ThriftCompactReader.Failure {
            throw fail("\(what): \(error.message)", at: error.offset)
        }
    }
}
