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

/// The coders for the JSON files a run keeps (trainer state, summary, evaluation): pretty, sorted keys, and
/// a metric with no value (a NaN loss, an infinite perplexity) written as the strings Python's `json` reads
/// back ("NaN", "Infinity"), where Foundation's defaults would throw and lose the checkpoint being saved.
public enum RunJSON {
    static let nonFinite = (positive: "Infinity", negative: "-Infinity", nan: "NaN")

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: nonFinite.positive,
                                                                      negativeInfinity: nonFinite.negative, nan: nonFinite.nan)
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: nonFinite.positive,
                                                                        negativeInfinity: nonFinite.negative, nan: nonFinite.nan)
        return decoder
    }
}
