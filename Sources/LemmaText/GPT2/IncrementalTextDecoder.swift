/// Text from tokens as they are generated (streaming): a byte-level BPE token can end in the middle of a
/// UTF-8 character, so its bytes wait until they form whole characters.
public struct IncrementalTextDecoder {
    public let tokenizer: GPT2Tokenizer
    /// Tokens that add no text (`<|endoftext|>`).
    public let skipped: Set<Int32>
    var pending: [UInt8] = []

    public init(tokenizer: GPT2Tokenizer, skipping skipped: Set<Int32> = []) {
        self.tokenizer = tokenizer
        self.skipped = skipped
    }

    /// The text that `token` completes ("" while a character is still incomplete).
    public mutating func add(_ token: Int32) -> String {
        guard !skipped.contains(token), let bytes = try? tokenizer.decodeBytes([token]), !bytes.isEmpty else { return "" }
        pending += bytes
        var complete = pending.count
        // Hold back an incomplete character at the end (at most 3 bytes of a 4-byte sequence).
        for back in 1...min(3, pending.count) {
            let byte = pending[pending.count - back]
            if byte & 0xC0 == 0xC0 {
                let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                if back < length { complete = pending.count - back }
                break
            }
            if byte & 0x80 == 0 { break }
        }
        guard complete > 0 else { return "" }
        let text = String(decoding: pending[0..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Whatever is still held back (an unfinished character becomes U+FFFD).
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }
}
