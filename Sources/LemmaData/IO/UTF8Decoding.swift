import LemmaTensor

/// Whether `bytes` are well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool { firstInvalidUTF8Byte(bytes) == nil }

/// Offset of the first byte that does not start or continue a well-formed UTF-8 sequence.
func firstInvalidUTF8Byte(_ bytes: UnsafeRawBufferPointer) -> Int? {
    var i = 0
    let n = bytes.count
    while i < n {
        let b0 = bytes[i]
        if b0 < 0x80 {
            i += 1
            continue
        }
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: return i
        }
        guard i + length <= n else { return i }
        guard bytes[i + 1] >= lower, bytes[i + 1] <= upper else { return i }
        for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return i }
        i += length
    }
    return nil
}

/// Throws a `FileFormatError` saying where (`"line 12"`, `"member a/b.txt"`) when `bytes` are not UTF-8.
func requireUTF8(_ bytes: UnsafeRawBufferPointer, path: String, at location: @autoclosure () -> String) throws {
    if let bad = firstInvalidUTF8Byte(bytes) {
        throw FileFormatError(path, "\(location()): invalid UTF-8 at byte \(bad) of \(bytes.count)")
    }
}

/// Decodes UTF-8 into a String, throwing a `FileFormatError` naming the place for invalid bytes (Swift
/// would otherwise replace them with U+FFFD silently, and a corrupted corpus would train without complaint).
func decodeUTF8(_ bytes: UnsafeRawBufferPointer, path: String, at location: @autoclosure () -> String) throws -> String {
    try requireUTF8(bytes, path: path, at: location())
    return String(decoding: bytes, as: UTF8.self)
}

func decodeUTF8(_ bytes: [UInt8], path: String, at location: @autoclosure () -> String) throws -> String {
    try bytes.withUnsafeBytes { try decodeUTF8($0, path: path, at: location()) }
}
