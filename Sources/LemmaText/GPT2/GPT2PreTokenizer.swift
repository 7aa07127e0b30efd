/// Splits UTF-8 text into the pieces GPT-2 encodes separately, with exactly the semantics of tiktoken's
/// r50k_base pattern
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// as a hand-written scanner (a regex engine is several times slower). Alternatives are tried in order at
/// each position, as the backtracking regex does:
/// - an ASCII apostrophe followed by s, t, re, ve, m, ll or d (lower case only);
/// - an optional U+0020 space, then a run of letters, or of numbers, or of "other" characters (neither
///   whitespace, letter nor number);
/// - a whitespace run: all of it at the end of the text, otherwise all but its last character (which then
///   prefixes the next word if it is a space), or, if it is a single character, that character.
/// `\s` in the Rust regex crate is the Unicode White_Space property, `\p{L}` and `\p{N}` the general
/// categories L* and N*; `ScalarClass` uses the same definitions.
struct GPT2PreTokenizer: IteratorProtocol {
    private let text: UnsafeBufferPointer<UInt8>
    private let classes: ScalarClassReader
    private var position = 0

    init(_ text: UnsafeBufferPointer<UInt8>) {
        self.text = text
        classes = ScalarClassReader(text)
    }

    /// Byte range of the next piece.
    @inline(__always)
    mutating func next() -> Range<Int>? {
        let start = position
        guard start < text.count else { return nil }
        let (first, firstEnd) = classes.at(start)
        let end: Int
        if text[start] == UInt8(ascii: "'"), let contraction = contractionEnd(after: firstEnd) {
            end = contraction
        } else if first == .whitespace {
            if text[start] == 0x20 && firstEnd < text.count {
                let (second, secondEnd) = classes.at(firstEnd)
                end = second == .whitespace ? whitespaceEnd(start) : run(of: second, from: secondEnd)
            } else {
                end = whitespaceEnd(start)
            }
        } else {
            end = run(of: first, from: firstEnd)
        }
        position = end
        return start..<end
    }

    /// End of "s", "t", "re", "ve", "m", "ll" or "d" right after an apostrophe, if one follows.
    @inline(__always)
    private func contractionEnd(after i: Int) -> Int? {
        guard i < text.count else { return nil }
        switch text[i] {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            return i + 1
        case UInt8(ascii: "r"), UInt8(ascii: "v"):
            return i + 1 < text.count && text[i + 1] == UInt8(ascii: "e") ? i + 2 : nil
        case UInt8(ascii: "l"):
            return i + 1 < text.count && text[i + 1] == UInt8(ascii: "l") ? i + 2 : nil
        default:
            return nil
        }
    }

    /// End of the run of characters of `kind` that continues at `i`.
    @inline(__always)
    private func run(of kind: ScalarClass, from i: Int) -> Int {
        var end = i
        while end < text.count {
            let (next, nextEnd) = classes.at(end)
            if next != kind { break }
            end = nextEnd
        }
        return end
    }

    /// `\s+(?!\S)|\s+` from `start`: the whole run at the end of the text, else all but its last
    /// character, else (a single character before non-whitespace) that character.
    private func whitespaceEnd(_ start: Int) -> Int {
        var end = start
        var lastStart = start
        while end < text.count {
            let (next, nextEnd) = classes.at(end)
            if next != .whitespace { break }
            lastStart = end
            end = nextEnd
        }
        if end == text.count || lastStart == start { return end }
        return lastStart
    }
}
