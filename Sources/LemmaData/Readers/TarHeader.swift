/// One 512-byte tar header block (POSIX ustar, GNU and old v7 layouts): name, size, type and checksum.
/// Numbers are octal text, or base-256 binary (high bit of the first byte set) for sizes of 8 GiB and more.
struct TarHeader {
    enum Kind: Equatable {
        case file, directory, paxExtended, paxGlobal, gnuLongName, gnuLongLink, other
    }

    struct Failure: Error {
        let message: String
    }

    let name: [UInt8]
    let size: Int
    let kind: Kind

    /// Whether the block is all zeros (the end-of-archive marker).
    static func isZero(_ block: UnsafeRawBufferPointer) -> Bool { block.allSatisfy { $0 == 0 } }

    init(_ block: UnsafeRawBufferPointer) throws {
        precondition(block.count == 512)
        // The checksum counts its own eight bytes as spaces; old tars summed signed bytes, so accept either.
        let stored = try Self.number(UnsafeRawBufferPointer(rebasing: block[148..<156]), field: "checksum")
        var unsigned = 0, signed = 0
        for (i, byte) in block.enumerated() {
            let value = (148..<156).contains(i) ? 0x20 : byte
            unsigned += Int(value)
            signed += Int(Int8(bitPattern: value))
        }
        guard stored == unsigned || stored == signed else {
            throw Failure(message: "header checksum is \(stored), the block sums to \(unsigned) (not a tar archive, or corrupted)")
        }
        size = try Self.number(UnsafeRawBufferPointer(rebasing: block[124..<136]), field: "size")
        switch block[156] {
        case 0x30, 0x00, 0x37: kind = .file
        case 0x35: kind = .directory
        case 0x78: kind = .paxExtended
        case 0x67: kind = .paxGlobal
        case 0x4C: kind = .gnuLongName
        case 0x4B: kind = .gnuLongLink
        default: kind = .other
        }
        var name = Self.text(UnsafeRawBufferPointer(rebasing: block[0..<100]))
        // POSIX ustar keeps the start of long paths in a prefix field; GNU uses those bytes for other things.
        if block[257..<263].elementsEqual("ustar\0".utf8) {
            let prefix = Self.text(UnsafeRawBufferPointer(rebasing: block[345..<500]))
            if !prefix.isEmpty { name = prefix + [0x2F] + name }
        }
        self.name = name
    }

    /// Bytes up to the first NUL.
    static func text(_ field: UnsafeRawBufferPointer) -> [UInt8] {
        Array(field.prefix(while: { $0 != 0 }))
    }

    /// An octal field (leading spaces, digits, then NUL or space) or a base-256 field.
    static func number(_ field: UnsafeRawBufferPointer, field name: String) throws -> Int {
        if let first = field.first, first & 0x80 != 0 {
            guard first == 0x80 else { throw Failure(message: "\(name) field is a negative base-256 number") }
            var value = 0
            for byte in field.dropFirst() {
                guard value <= (Int.max >> 8) else { throw Failure(message: "\(name) field is too large") }
                value = value << 8 | Int(byte)
            }
            return value
        }
        var value = 0
        var index = 0
        while index < field.count, field[index] == 0x20 { index += 1 }
        let digitsStart = index
        while index < field.count, field[index] >= 0x30, field[index] <= 0x37 {
            value = value * 8 + Int(field[index] - 0x30)
            index += 1
        }
        guard index > digitsStart || index == field.count || field[index] == 0 else {
            throw Failure(message: "\(name) field is not an octal number")
        }
        // Only NULs and spaces may follow the digits.
        guard field[index...].allSatisfy({ $0 == 0 || $0 == 0x20 }) else {
            throw Failure(message: "\(name) field is not an octal number")
        }
        return value
    }
}
