/// Decompresses Snappy's raw block format (as Parquet pages use it): a varint uncompressed length, then
/// literals and back-references. Every length and offset is checked, so corrupt data throws.
enum Snappy {
    struct Failure: Error {
        let message: String
    }

    /// `limit` bounds the declared uncompressed length (callers know how large a page may be).
    static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws -> [UInt8] {
        var position = 0
        func byte() throws -> UInt8 {
            guard position < input.count else { throw Failure(message: "compressed data ends early") }
            defer { position += 1 }
            return input[position]
        }
        var length = 0
        var shift = 0
        while true {
            let b = try byte()
            guard shift <= 28 else { throw Failure(message: "uncompressed length varint is too long") }
            length |= Int(b & 0x7F) << shift
            if b & 0x80 == 0 { break }
            shift += 7
        }
        guard length <= limit else { throw Failure(message: "uncompressed length \(length) exceeds the expected \(limit)") }
        var output = [UInt8]()
        output.reserveCapacity(length)
        func copy(offset: Int, count: Int) throws {
            guard offset > 0, offset <= output.count, output.count + count <= length else {
                throw Failure(message: "back-reference (offset \(offset), length \(count)) points outside the data")
            }
            // Byte by byte: a copy may overlap the bytes it produces (runs).
            let start = output.count - offset
            for k in 0..<count { output.append(output[start + k]) }
        }
        while position < input.count {
            let tag = try byte()
            switch tag & 0x03 {
            case 0:
                var literal = Int(tag >> 2) + 1
                if literal > 60 {
                    let extra = literal - 60
                    literal = 0
                    for k in 0..<extra { literal |= Int(try byte()) << (8 * k) }
                    literal += 1
                }
                guard literal <= input.count - position, output.count + literal <= length else {
                    throw Failure(message: "literal of \(literal) bytes runs past the data")
                }
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[position..<(position + literal)]))
                position += literal
            case 1:
                let count = Int((tag >> 2) & 0x07) + 4
                let offset = Int(tag >> 5) << 8 | Int(try byte())
                try copy(offset: offset, count: count)
            case 2:
                let count = Int(tag >> 2) + 1
                let offset = Int(try byte()) | Int(try byte()) << 8
                try copy(offset: offset, count: count)
            default:
                let count = Int(tag >> 2) + 1
                var offset = 0
                for k in 0..<4 { offset |= Int(try byte()) << (8 * k) }
                try copy(offset: offset, count: count)
            }
        }
        guard output.count == length else {
            throw Failure(message: "decompressed \(output.count) bytes, the header says \(length)")
        }
        return output
    }
}
