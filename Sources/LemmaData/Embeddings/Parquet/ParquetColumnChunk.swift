import LemmaTensor

/// The pages of one column chunk: a dictionary page, then data pages (v1 or v2) whose values are PLAIN
/// byte arrays or indices into the dictionary, each page uncompressed or Snappy-compressed.
extension ParquetColumnDecoder {
    func readChunk(_ meta: ThriftStruct, optional: Bool, limit: Int, maxValues: Int64, into values: inout [String]) throws {
        let codec = meta.int(4) ?? -1
        guard codec == 0 || codec == 1 else {
            let names: [Int64: String] = [2: "GZIP", 3: "LZO", 4: "BROTLI", 5: "LZ4", 6: "ZSTD", 7: "LZ4_RAW"]
            throw fail("compression \(names[codec] ?? String(codec)) is not supported; expected uncompressed or SNAPPY", at: limit)
        }
        let chunkValues = meta.int(5) ?? -1
        let dataStart = meta.int(9) ?? -1
        let dictionaryStart = meta.int(11)
        let size = meta.int(7) ?? -1
        let start = dictionaryStart.map { $0 > 0 && $0 < dataStart ? $0 : dataStart } ?? dataStart
        guard chunkValues >= 0, chunkValues <= maxValues - Int64(values.count), start >= 4, size >= 0,
              start <= Int64(limit), size <= Int64(limit) - start else {
            throw fail("column chunk (\(chunkValues) values, \(size) bytes at \(start)) lies outside the data or is implausible", at: limit)
        }
        let end = Int(start + size)
        var position = Int(start)
        var dictionary: [String]?
        var remaining = Int(chunkValues)
        while remaining > 0 {
            guard position < end else { throw fail("column chunk ends with \(remaining) values still to read", at: position) }
            var reader = ThriftCompactReader(UnsafeRawBufferPointer(rebasing: bytes[..<end]), at: position)
            let header: ThriftStruct
            do {
                header = try reader.readStruct()
            } catch let error as ThriftCompactReader.Failure {
                throw fail("page header: \(error.message)", at: error.offset)
            }
            let pageStart = position
            let type = header.int(1) ?? -1
            let uncompressedSize = Int(header.int(2) ?? -1)
            let compressedSize = Int(header.int(3) ?? -1)
            let body = reader.position
            guard compressedSize >= 0, uncompressedSize >= 0, compressedSize <= end - body else {
                throw fail("page of \(compressedSize) bytes runs past its column chunk", at: pageStart)
            }
            let page = UnsafeRawBufferPointer(rebasing: bytes[body..<(body + compressedSize)])
            position = body + compressedSize
            switch type {
            case 2:
                guard let info = header.structure(7), let count = info.int(1), count >= 0, count <= Int64(compressedSize * 22 + 16) else {
                    throw fail("dictionary page header is missing or implausible", at: pageStart)
                }
                let encoding = info.int(2) ?? 0
                guard encoding == 0 || encoding == 2 else { throw fail("dictionary page encoding \(encoding), expected PLAIN", at: pageStart) }
                let data = try decompress(page, codec: codec, size: uncompressedSize, at: pageStart)
                dictionary = try data.withUnsafeBytes { try plainStrings($0, count: Int(count), at: pageStart) }
            case 0, 3:
                let isV2 = type == 3
                guard let info = header.structure(isV2 ? 8 : 5), let count = info.int(1), count >= 0, count <= Int64(remaining) else {
                    throw fail("data page header is missing or declares more values than the chunk has left", at: pageStart)
                }
                let encoding = info.int(isV2 ? 4 : 2) ?? -1
                var data: [UInt8]
                var valueStart = 0
                var present = Int(count)
                if isV2 {
                    let nulls = info.int(2) ?? 0
                    let definitionBytes = Int(info.int(5) ?? 0)
                    let repetitionBytes = Int(info.int(6) ?? 0)
                    guard nulls == 0 else { throw fail("column has \(nulls) null values in this page; a word list may have none", at: pageStart) }
                    guard repetitionBytes == 0, definitionBytes >= 0, definitionBytes <= compressedSize else {
                        throw fail("data page v2 level sizes do not fit the page", at: pageStart)
                    }
                    let levels = definitionBytes
                    let compressed = info.bool(7) ?? true
                    let valuesPart = UnsafeRawBufferPointer(rebasing: page[levels...])
                    let decoded = codec == 0 || !compressed ? Array(valuesPart)
                        : try decompress(valuesPart, codec: codec, size: uncompressedSize - levels, at: pageStart)
                    data = decoded
                } else {
                    data = try decompress(page, codec: codec, size: uncompressedSize, at: pageStart)
                    if optional {
                        present = try data.withUnsafeBytes { try countDefinedValues($0, count: Int(count), at: pageStart, valueStart: &valueStart) }
                        guard present == Int(count) else {
                            throw fail("column has \(Int(count) - present) null values in this page; a word list may have none", at: pageStart)
                        }
                    }
                }
                let strings: [String] = try data.withUnsafeBytes { raw in
                    let part = UnsafeRawBufferPointer(rebasing: raw[valueStart...])
                    switch encoding {
                    case 0:
                        return try plainStrings(part, count: present, at: pageStart)
                    case 2, 8:
                        guard let dictionary else { throw fail("dictionary-encoded page before any dictionary page", at: pageStart) }
                        guard let width = part.first else { throw fail("dictionary-encoded page has no bit width", at: pageStart) }
                        let indices: [Int]
                        do {
                            indices = try RLEBitPackedHybrid.decode(UnsafeRawBufferPointer(rebasing: part.dropFirst()), bitWidth: Int(width), count: present)
                        } catch let error as RLEBitPackedHybrid.Failure {
                            throw fail("dictionary indices: \(error.message)", at: pageStart)
                        }
                        return try indices.map { i in
                            guard i < dictionary.count else { throw fail("dictionary index \(i) is past the \(dictionary.count)-entry dictionary", at: pageStart) }
                            return dictionary[i]
                        }
                    default:
                        throw fail("value encoding \(encoding) is not supported; expected PLAIN or dictionary", at: pageStart)
                    }
                }
                values.append(contentsOf: strings)
                remaining -= Int(count)
            default:
                continue
            }
        }
    }

    private func decompress(_ page: UnsafeRawBufferPointer, codec: Int64, size: Int, at offset: Int) throws -> [UInt8] {
        if codec == 0 {
            guard size == page.count else { throw fail("uncompressed page is \(page.count) bytes, its header says \(size)", at: offset) }
            return Array(page)
        }
        // Snappy expands at most about 22-fold; a larger claim is corruption, not a reason to allocate.
        guard size >= 0, size <= page.count * 22 + 16 else { throw fail("page claims \(size) bytes uncompressed from \(page.count)", at: offset) }
        do {
            let data = try Snappy.decompress(page, limit: size)
            guard data.count == size else { throw fail("page decompressed to \(data.count) bytes, its header says \(size)", at: offset) }
            return data
        } catch let error as Snappy.Failure {
            throw fail("snappy: \(error.message)", at: offset)
        }
    }

    /// Definition levels of a v1 page (a 4-byte length, then RLE with bit width 1): how many values are set.
    private func countDefinedValues(_ data: UnsafeRawBufferPointer, count: Int, at offset: Int, valueStart: inout Int) throws -> Int {
        guard data.count >= 4 else { throw fail("page ends inside its definition levels", at: offset) }
        let length = (0..<4).reduce(0) { $0 | Int(data[$1]) << (8 * $1) }
        guard length <= data.count - 4 else { throw fail("definition levels run past the page", at: offset) }
        do {
            let levels = try RLEBitPackedHybrid.decode(UnsafeRawBufferPointer(rebasing: data[4..<(4 + length)]), bitWidth: 1, count: count)
            valueStart = 4 + length
            return levels.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
        } catch let error as RLEBitPackedHybrid.Failure {
            throw fail("definition levels: \(error.message)", at: offset)
        }
    }

    /// PLAIN byte arrays: a 4-byte little-endian length, then the bytes, `count` times.
    private func plainStrings(_ data: UnsafeRawBufferPointer, count: Int, at offset: Int) throws -> [String] {
        var strings: [String] = []
        strings.reserveCapacity(min(count, data.count / 4))
        var position = 0
        for i in 0..<count {
            guard data.count - position >= 4 else { throw fail("page ends inside value \(i) of \(count)", at: offset) }
            let length = (0..<4).reduce(0) { $0 | Int(data[position + $1]) << (8 * $1) }
            position += 4
            guard length <= data.count - position else { throw fail("value \(i) of \(length) bytes runs past the page", at: offset) }
            let value = UnsafeRawBufferPointer(rebasing: data[position..<(position + length)])
            strings.append(try decodeUTF8(value, path: path, at: "parquet byte \(offset), value \(i) of the page"))
            position += length
        }
        return strings
    }
}
