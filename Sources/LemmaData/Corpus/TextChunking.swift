/// Where a long text may be cut into pieces that GPT-2's pre-tokenizer (and any word-level one) splits
/// exactly as it splits the whole: so a gigabyte file is tokenized a megabyte at a time, in constant memory,
/// into the ids the whole file would get.
///
/// GPT-2's pattern ends a piece at a lone newline or space that sits between two non-space characters ("x\ny",
/// "x y": the newline is a piece of its own and the space starts the next word), so cutting right after such
/// a newline, or right before such a space, changes nothing. Runs of whitespace are different ("\n\n" may be
/// one piece or two depending on what follows), which is why cuts avoid them.
enum TextChunking {
    /// The largest cut point in bytes[0..<limit] that leaves both sides tokenized as in the whole text, or
    /// nil when there is none (a megabyte without a single lone newline or space).
    static func safeCut(_ bytes: UnsafeRawBufferPointer, limit: Int) -> Int? {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 || b == 0x0B || b == 0x0C }
        var fallback: Int?
        var i = min(limit, bytes.count) - 2
        while i >= 1 {
            let b = bytes[i]
            if b == 0x0A || b == 0x20, !isSpace(bytes[i - 1]), !isSpace(bytes[i + 1]) {
                if b == 0x0A { return i + 1 }      // after the newline
                if fallback == nil { fallback = i } // before the space
            }
            // Prefer a newline, but do not search the whole buffer for one once a space was found far back.
            if let fallback, fallback - i > 1 << 16 { return fallback }
            i -= 1
        }
        return fallback
    }

    /// The largest offset ≤ `limit` that starts a UTF-8 character (the last resort cut).
    static func characterBoundary(_ bytes: UnsafeRawBufferPointer, limit: Int) -> Int {
        var i = min(limit, bytes.count)
        while i > 0, i < bytes.count, bytes[i] & 0xC0 == 0x80 { i -= 1 }
        return i
    }
}
