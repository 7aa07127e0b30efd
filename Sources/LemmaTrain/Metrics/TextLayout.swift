import Foundation

// Small helpers that reproduce Python's str.format layouts used by sklearn and sacrebleu. Widths count Unicode
// scalars, as Python's len does.

/// `x` with `digits` decimals, like Python's `f"{x:.{digits}f}"` (both round the exact binary value).
func fixed(_ x: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", x)
}

/// `text` padded on the left with spaces to `width`, like Python's `f"{text:>{width}}"`.
func rightAligned(_ text: String, _ width: Int) -> String {
    let length = text.unicodeScalars.count
    return length >= width ? text : String(repeating: " ", count: width - length) + text
}

/// The display width of `text`, as Python's len counts it.
func textWidth(_ text: String) -> Int { text.unicodeScalars.count }
