/// CRC-32C (Castagnoli), the checksum TFRecord files use, and TensorFlow's "masked" form of it. Masking
/// keeps a CRC stored next to the data it covers from being confused with a CRC of data that holds CRCs.
public enum CRC32C {
    /// The CRC-32C of `bytes`: reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF.
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// TensorFlow's mask: rotate right by 15 bits, then add a constant.
    public static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// The masked CRC-32C of `bytes`, as stored in TFRecord framing.
    public static func maskedChecksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        masked(checksum(bytes))
    }

    /// One entry per low byte of the running CRC: the effect of shifting that byte out, eight bits at a time.
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 {
            crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
        }
        return crc
    }
}
