import Foundation

// Small helpers shared by the SVG plots and the HTML report.

/// `text` safe inside XML and HTML text and double-quoted attribute values.
public func xmlEscaped(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.utf8.count)
    for character in text.unicodeScalars {
        switch character {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&#39;"
        // Control characters other than tab and newline are not allowed in XML 1.0 at all.
        case "\t", "\n", "\r": escaped.unicodeScalars.append(character)
        case _ where character.value < 0x20 || character.value == 0xFFFE || character.value == 0xFFFF:
            escaped += "\u{FFFD}"
        default: escaped.unicodeScalars.append(character)
        }
    }
    return escaped
}

/// A coordinate with two decimals and no trailing zeros: "12.5", "300", "-0.25".
func svgNumber(_ x: Double) -> String {
    var text = String(format: "%.2f", x)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text == "-0" ? "0" : text
}

/// A rough width in pixels of `text` at `fontSize`, for laying out labels without a font engine.
func estimatedTextWidth(_ text: String, fontSize: Double) -> Double {
    Double(text.unicodeScalars.count) * fontSize * 0.6
}

/// Distinct line colours (the "tab10" colours most plotting libraries default to).
let plotPalette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

/// `x` with three significant digits in scientific form: "1e-7", "2.5e6", "-3.14e-5".
func scientificLabel(_ x: Double) -> String {
    guard x != 0, x.isFinite else { return x == 0 ? "0" : String(x) }
    var exponent = Int(log10(abs(x)).rounded(.down))
    var mantissa = (x / pow(10, Double(exponent)) * 100).rounded() / 100
    if abs(mantissa) >= 10 {
        mantissa /= 10
        exponent += 1
    }
    return svgNumber(mantissa) + "e" + String(exponent)
}
