/// General categories as Unicode 8.0 gave them: Hugging Face's BERT normalizer and pre-tokenizer take
/// control, punctuation and nonspacing-mark categories from the `unicode_categories` crate, whose tables
/// are Unicode 8.0. Matching it keeps ids equal on text with newer characters. Characters assigned later
/// get nil (unassigned); the few whose category changed since are listed.
enum UnicodeEight {
    static func generalCategory(_ scalar: Unicode.Scalar) -> Unicode.GeneralCategory? {
        if let changed = changedSince[scalar.value] { return changed }
        guard let age = scalar.properties.age, age.major < 8 || (age.major == 8 && age.minor == 0) else { return nil }
        return scalar.properties.generalCategory
    }

    /// Categories that differ between Unicode 8.0 and the tables of Swift 6.3 (Unicode 17), for
    /// characters Unicode 8.0 already had (found by comparing every scalar with Hugging Face tokenizers).
    private static let changedSince: [UInt32: Unicode.GeneralCategory] = [
        0x166D: .otherPunctuation,   // CANADIAN SYLLABICS CHI SIGN, now So
        0x1734: .nonspacingMark,     // HANUNOO SIGN PAMUDPOD, now Mc
        0x1885: .otherLetter,        // MONGOLIAN LETTER ALI GALI BALUDA, now Mn
        0x1886: .otherLetter,        // MONGOLIAN LETTER ALI GALI THREE BALUDA, now Mn
        0xA9BD: .spacingMark,        // JAVANESE CONSONANT SIGN KERET, now Mn
        0x111C9: .otherPunctuation,  // SHARADA SANDHI MARK, now Mn
        0x1171E: .nonspacingMark,    // AHOM CONSONANT SIGN MEDIAL RA, now Mc
    ]
}
