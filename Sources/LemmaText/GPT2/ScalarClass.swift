/// The four kinds of character GPT-2's pre-tokenizer tells apart: letters (general category L*), numbers
/// (N*), whitespace (the White_Space property) and everything else.
///
/// tiktoken's regex engine has Unicode 16.0 tables, Swift 6.3 has 17.0: characters assigned after 16.0
/// are unassigned to tiktoken, so they count as "other" here (checked against tiktoken on every scalar).
enum ScalarClass: UInt8 {
    case letter, number, whitespace, other

    static let unicodeVersion: Unicode.Version = (16, 0)

    static func of(_ scalar: Unicode.Scalar) -> ScalarClass {
        let properties = scalar.properties
        guard let age = properties.age, age.major < unicodeVersion.major
            || (age.major == unicodeVersion.major && age.minor <= unicodeVersion.minor) else { return .other }
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }

    /// Class of every scalar of the Basic Multilingual Plane, computed once per process: property queries
    /// cost more than the rest of the scan. A raw pointer, so the scanner's loads have no checks.
    static let basicMultilingualPlane: UnsafePointer<ScalarClass> = {
        let table = UnsafeMutablePointer<ScalarClass>.allocate(capacity: 0x10000)
        for value in 0..<0x10000 { table[value] = Unicode.Scalar(UInt32(value)).map(of) ?? .other }
        return UnsafePointer(table)
    }()
}

/// Reads scalar classes from valid UTF-8.
struct ScalarClassReader {
    let text: UnsafeBufferPointer<UInt8>
    private let table = ScalarClass.basicMultilingualPlane

    init(_ text: UnsafeBufferPointer<UInt8>) {
        self.text = text
    }

    /// Class and end of the scalar starting at byte `i`.
    @inline(__always)
    func at(_ i: Int) -> (ScalarClass, Int) {
        let base = text.baseAddress.unsafelyUnwrapped
        let lead = base[i]
        if lead < 0x80 { return (table[Int(lead)], i + 1) }
        if lead < 0xE0 {
            return (table[Int(lead & 0x1F) << 6 | Int(base[i + 1] & 0x3F)], i + 2)
        }
        if lead < 0xF0 {
            return (table[Int(lead & 0x0F) << 12 | Int(base[i + 1] & 0x3F) << 6 | Int(base[i + 2] & 0x3F)], i + 3)
        }
        let value = UInt32(lead & 0x07) << 18 | UInt32(base[i + 1] & 0x3F) << 12 | UInt32(base[i + 2] & 0x3F) << 6 | UInt32(base[i + 3] & 0x3F)
        return (ScalarClass.of(Unicode.Scalar(value).unsafelyUnwrapped), i + 4)
    }
}
