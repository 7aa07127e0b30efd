import Foundation

/// Finds special tokens written in the text (GPT-2's <|endoftext|> when allowed, BERT's [MASK]) before
/// the rest is split: the leftmost occurrence, the longest where two start at the same byte. Byte
/// comparison, as tiktoken and Hugging Face match them.
enum SpecialTokenSearch {
    static func next(in bytes: UnsafeBufferPointer<UInt8>, from start: Int,
                     specials: [(text: [UInt8], id: Int32)]) -> (Int, (text: [UInt8], id: Int32))? {
        guard !specials.isEmpty else { return nil }
        var position = start
        while position < bytes.count {
            let byte = bytes[position]
            var best: (text: [UInt8], id: Int32)?
            for special in specials where special.text[0] == byte && special.text.count <= bytes.count - position
                && special.text.count > (best?.text.count ?? 0) {
                if special.text.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress! + position, $0.count) == 0 }) {
                    best = special
                }
            }
            if let best { return (position, best) }
            position += 1
        }
        return nil
    }
}
