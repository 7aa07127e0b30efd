import Foundation

/// `text` as a JSON string literal: quotes, backslashes and control characters escaped, everything else
/// (all of Unicode) written as is. For the few places Lemma writes JSON by hand, where the key order or the
/// streaming matters.
public func jsonQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
