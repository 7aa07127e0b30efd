/// fastText's character n-grams: every substring of `<word>` of `minn` to `maxn` characters (UTF-8 code
/// points, not bytes), except the lone `<` and `>`, hashed into `bucket` rows that follow the `nwords`
/// word rows of the input matrix.
struct FastTextSubwords {
    let minn: Int
    let maxn: Int
    let bucket: Int
    let nwords: Int

    /// fastText's FNV-1a variant: each byte is sign-extended (`int8_t`) before the xor, as the released
    /// models were trained with signed chars.
    static func hash<S: Sequence<UInt8>>(_ bytes: S) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for byte in bytes { h = step(h, byte) }
        return h
    }

    @inline(__always)
    static func step(_ h: UInt32, _ byte: UInt8) -> UInt32 {
        (h ^ UInt32(bitPattern: Int32(Int8(bitPattern: byte)))) &* 16_777_619
    }

    /// Appends the input-matrix rows of the n-grams of `word` (its UTF-8 bytes, without `<` and `>`).
    func appendRows(of word: UnsafeRawBufferPointer, to rows: inout [Int]) {
        guard maxn > 0, bucket > 0 else { return }
        var padded = [UInt8]()
        padded.reserveCapacity(word.count + 2)
        padded.append(0x3C)
        padded.append(contentsOf: word)
        padded.append(0x3E)
        let count = padded.count
        for i in 0..<count where padded[i] & 0xC0 != 0x80 {
            var h: UInt32 = 2_166_136_261
            var j = i
            var n = 1
            while j < count, n <= maxn {
                // One character: its lead byte and any continuation bytes.
                h = Self.step(h, padded[j])
                j += 1
                while j < count, padded[j] & 0xC0 == 0x80 {
                    h = Self.step(h, padded[j])
                    j += 1
                }
                if n >= minn, !(n == 1 && (i == 0 || j == count)) {
                    rows.append(nwords + Int(h % UInt32(bucket)))
                }
                n += 1
            }
        }
    }

    /// The n-grams themselves, in the order their rows are produced (for inspection and tests).
    func substrings(of word: String) -> [String] {
        let padded = Array(("<" + word + ">").utf8)
        var result: [String] = []
        guard maxn > 0 else { return result }
        for i in 0..<padded.count where padded[i] & 0xC0 != 0x80 {
            var j = i
            var n = 1
            while j < padded.count, n <= maxn {
                j += 1
                while j < padded.count, padded[j] & 0xC0 == 0x80 { j += 1 }
                if n >= minn, !(n == 1 && (i == 0 || j == padded.count)) {
                    result.append(String(decoding: padded[i..<j], as: UTF8.self))
                }
                n += 1
            }
        }
        return result
    }
}
