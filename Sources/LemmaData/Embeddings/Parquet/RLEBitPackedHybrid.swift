/// Parquet's RLE / bit-packed hybrid encoding of small integers (definition levels, dictionary indices):
/// runs of `varint header`, where an even header is `count << 1` followed by one repeated value, and an odd
/// header is `groups << 1 | 1` followed by `groups × 8` values packed `bitWidth` bits each, low bits first.
enum RLEBitPackedHybrid {
    struct Failure: Error {
        let message: String
    }

    /// Decodes exactly `count` values.
    static func decode(_ data: UnsafeRawBufferPointer, bitWidth: Int, count: Int) throws -> [Int] {
        guard bitWidth >= 0, bitWidth <= 32 else { throw Failure(message: "bit width \(bitWidth) is not 0 to 32") }
        var values: [Int] = []
        values.reserveCapacity(count)
        var position = 0
        func byte() throws -> UInt8 {
            guard position < data.count else { throw Failure(message: "encoded data ends after \(values.count) of \(count) values") }
            defer { position += 1 }
            return data[position]
        }
        let valueBytes = (bitWidth + 7) / 8
        while values.count < count {
            var header: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte()
                guard shift < 64 else { throw Failure(message: "run header varint is too long") }
                header |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { break }
                shift += 7
            }
            let wanted = count - values.count
            if header & 1 == 0 {
                var value = 0
                for k in 0..<valueBytes { value |= Int(try byte()) << (8 * k) }
                let run = Int(min(header >> 1, UInt64(wanted)))
                values.append(contentsOf: repeatElement(value, count: run))
            } else {
                let groups = header >> 1
                guard groups <= UInt64(data.count), Int(groups) * bitWidth <= data.count - position else {
                    throw Failure(message: "bit-packed run of \(groups) groups runs past the data")
                }
                let packed = Int(groups) * 8
                var bitPosition = position * 8
                for _ in 0..<min(packed, wanted) {
                    var value = 0
                    for bit in 0..<bitWidth {
                        let p = bitPosition + bit
                        value |= Int((data[p >> 3] >> UInt8(p & 7)) & 1) << bit
                    }
                    values.append(value)
                    bitPosition += bitWidth
                }
                position += Int(groups) * bitWidth
            }
        }
        return values
    }
}
