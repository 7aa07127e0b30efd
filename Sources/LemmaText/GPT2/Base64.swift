/// Strict standard base64 (RFC 4648, with padding) for the tokens of tiktoken files: decoding one short
/// token without building a `Data` or `String` keeps loading the 50k-line file fast.
enum Base64 {
    /// The decoded bytes, or nil if `text` is not canonical padded base64.
    static func decode(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3)
        var index = text.startIndex
        while index < text.endIndex {
            let isLast = index + 4 == text.endIndex
            var quad: UInt32 = 0
            var padding = 0
            for k in 0..<4 {
                let c = text[index + k]
                if c == UInt8(ascii: "=") && isLast && k >= 2 {
                    padding += 1
                    quad <<= 6
                    continue
                }
                guard padding == 0, let v = sextet(c) else { return nil }
                quad = quad << 6 | UInt32(v)
            }
            output.append(UInt8(quad >> 16))
            if padding < 2 { output.append(UInt8(quad >> 8 & 0xFF)) }
            if padding < 1 { output.append(UInt8(quad & 0xFF)) }
            index += 4
        }
        return output
    }

    @inline(__always)
    private static func sextet(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
