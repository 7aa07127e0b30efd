/// GPT-2's printable stand-ins for bytes, used by encoder.json, vocab.bpe and token strings: bytes that
/// are visible Latin-1 characters stand for themselves; the other 68 (controls, space, NBSP, soft hyphen)
/// become U+0100, U+0101, … in byte order. So "Ġ" (U+0120) is the space byte.
enum ByteLevelAlphabet {
    static let scalarForByte: [Unicode.Scalar] = {
        var next: UInt32 = 256
        return (0..<256).map { byte in
            if isVisible(UInt8(byte)) { return Unicode.Scalar(UInt8(byte)) }
            defer { next += 1 }
            return Unicode.Scalar(next)!
        }
    }()

    static let byteForScalar: [UInt32: UInt8] = {
        Dictionary(uniqueKeysWithValues: scalarForByte.enumerated().map { ($0.element.value, UInt8($0.offset)) })
    }()

    /// The single bytes in the order vocab.bpe numbers them: visible bytes first, then the others (the
    /// order of their stand-ins).
    static let bytesInRankOrder: [UInt8] = (0..<256).map(UInt8.init).filter(isVisible)
        + (0..<256).map(UInt8.init).filter { !isVisible($0) }

    static func isVisible(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// "Ġhello" for the bytes of " hello".
    static func string(for bytes: some Sequence<UInt8>) -> String {
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(scalarForByte[Int(byte)]) }
        return String(text)
    }

    /// The bytes a token string stands for, or nil if it has a character outside the alphabet.
    static func bytes(for token: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        for scalar in token.unicodeScalars {
            guard let byte = byteForScalar[scalar.value] else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
