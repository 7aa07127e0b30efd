/// TFRecord framing, the container of TensorBoard event files. Each record is
/// `length (UInt64 LE) · masked CRC-32C of those 8 bytes (UInt32 LE) · data · masked CRC-32C of data (UInt32 LE)`,
/// so a reader can tell a record cut short by a crash from a complete one.
enum TFRecord {
    static func frame(_ data: [UInt8]) -> [UInt8] {
        var record: [UInt8] = []
        record.reserveCapacity(data.count + 16)
        let length = littleEndianBytes(UInt64(data.count))
        record += length
        record += littleEndianBytes(CRC32C.maskedChecksum(length))
        record += data
        record += littleEndianBytes(CRC32C.maskedChecksum(data))
        return record
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}
