import Foundation
import LemmaText
import Testing

/// LaTeX as people write it, brought to im2markup's normalized form (the form of im2latex-100k's formulas).
struct LaTeXNormalizerTests {
    @Test(arguments: [
        ("x^2", "x ^ { 2 }"), ("x^{2}", "x ^ { 2 }"), ("x ^ { 2 }", "x ^ { 2 }"),
        ("x^2_i", "x _ { i } ^ { 2 }"), ("x_{ij}^{n+1}", "x _ { i j } ^ { n + 1 }"), ("^2", "^ { 2 }"),
        ("f'(x)", "f ^ { \\prime } ( x )"), ("f''^2", "f ^ { \\prime \\prime 2 }"),
        ("\\frac12", "\\frac 1 2"), ("\\dfrac{a}{b+c}", "\\frac { a } { b + c }"), ("\\tbinom nk", "\\binom n k"),
        ("\\sqrt[3]{x}", "\\sqrt [ 3 ] { x }"), ("\\sqrt x", "\\sqrt x"),
        ("\\sin x", "\\operatorname { s i n } x"), ("\\lim_{n\\to\\infty}a_n", "\\operatorname* { l i m } _ { n \\to \\infty } a _ { n }"),
        ("\\operatorname*{arg\\,max}", "\\operatorname* { a r g \\, m a x }"),
        ("\\left(\\frac{a}{b}\\right)", "\\left( \\frac { a } { b } \\right)"), ("\\left\\{x\\right.", "\\left\\{ x \\right."),
        ("\\hat x", "\\hat { x }"), ("\\vec{v}", "\\vec { v }"), ("\\overline{x}", "\\overline { { x } }"), ("\\underline a", "\\underline { a }"),
        ("{\\rm d}x", "\\mathrm { d } x"), ("\\rm{Tr}", "\\mathrm { T r }"), ("\\text{if}x", "\\mathrm { i f } x"), ("\\mbox{a}", "\\mathrm { a }"),
        ("\\mathbb{R}^n", "\\mathbb { R } ^ { n }"),
        ("\\begin{array}{cc}a&b\\\\c&d\\end{array}", "\\begin{array} { c c } { a } & { b } \\\\ { c } & { d } \\\\ \\end{array}"),
        ("\\begin{array}{@{}c|l@{}}\\hline x&\\\\[2pt]\\end{array}", "\\begin{array} { c | l } \\hline { x } & { } \\\\ \\end{array}"),
        ("\\begin{pmatrix}1\\\\2\\end{pmatrix}", "\\left( \\begin{matrix} { 1 } \\\\ { 2 } \\\\ \\end{matrix} \\right)"),
        ("\\begin{cases}0&x<0\\cr 1&{x}\\end{cases}", "\\left\\{ \\begin{cases} { 0 } & { x < 0 } \\\\ { 1 } & { x } \\\\ \\end{cases} \\right."),
        ("{a+1\\over 2}", "{ \\frac { a + 1 } { 2 } }"), ("{n\\choose{k}}", "{ \\binom { n } { k } }"),
        ("\\sum\\limits_{i=1}^n", "\\sum _ { i = 1 } ^ { n }"), ("\\text{for all} x", "\\mathrm { f o r ~ a l l } x"),
        ("\\Bbb R", "\\mathbb R"), ("\\mathring x", "\\mathring x"), ("\\vbox{a}", "\\mathrm { a }"),
        ("a % note\n+ b", "a + b"),
        ("a\\\\b", "a \\, b"), ("x % a comment", "x"), ("50\\% off", "5 0 \\% o f f"), ("\\label{eq:1} E=mc^2", "E = m c ^ { 2 }"),
        ("$x$", "x"), ("a\\>b", "a b"),
        ("D_{--}", "D _ { -- }"), ("a - -b", "a - - b"), ("{'}", "{ ' }"),
        ("", ""), ("}}{x", "} } { x }"), ("x^", "x"), ("\\left(", "\\left("), ("\\sqrt[", "\\sqrt [ ]"), ("\\begin{array}{c", "\\begin{array} { c } \\end{array}"),
    ])
    func normalizesAsIm2markup(_ written: String, _ normalized: String) {
        #expect(LaTeXNormalizer.normalize(written) == normalized, "\(written)")
    }

    /// im2latex-100k's formulas are im2markup's output already: normalizing them again changes few (an
    /// independent check of the rules above against im2markup's own output on 17,919 formulas).
    /// The few it does change are where im2markup's printer is not a fixed point of itself (it brace-wraps
    /// `\overline`'s and `\underline`'s group again), left a script unbraced, or printed a bug
    /// (`\sqrt [ [object Object] ]`).
    @Test func theBundledNormalizedFormulasAreAlmostAFixedPoint() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("data/im2latex-100k/formulas.lst")
        let formulas = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        try #require(formulas.count > 17_000)
        var changed: [String] = []
        for formula in formulas where !formula.isEmpty {
            let canonical = formula.split(separator: " ").joined(separator: " ")
            if LaTeXNormalizer.normalize(formula) != canonical { changed.append(formula) }
        }
        // im2markup left some script arguments unbraced (`_ \mathrm { … }`, `{ ^ \dagger }`: 102 of 48k scripts).
        let unbracedScript = try Regex(#"(^| )[_^] [^{]"#)
        // `\begin{cases}` is printed inside `\left\{ … \right.`, which a second pass wraps again.
        let unexplained = changed.filter {
            !$0.contains("\\overline") && !$0.contains("\\underline") && !$0.contains("[object Object]") && !$0.contains(unbracedScript)
                && !$0.contains("\\begin{cases}")
        }
        // 2.9% change, all but 7 of them for the reasons above; those 7 hold a prime inside `\mathrm` text (kept
        // as `'` there), a mangled escape (`\ m u`) or a lost `\r` (`ule { 1 cm }`).
        #expect(Double(changed.count) / Double(formulas.count) < 0.03, "\(changed.count) changed, e.g. \(changed.prefix(5))")
        #expect(unexplained.count <= 7, "\(unexplained.count) changed: \(unexplained.prefix(8).map { "\($0) → \(LaTeXNormalizer.normalize($0))" }.joined(separator: "\n"))")
    }
}

extension LaTeXNormalizerTests {
    @Test func im2markupSplittingTokenizesTheNormalizedForm() {
        let tokenizer = LaTeXTokenizer(vocabulary: Vocabulary(tokens: []), splitting: .im2markup)
        #expect(tokenizer.split("\\frac{a}{b}^2") == ["\\frac", "{", "a", "}", "{", "b", "}", "^", "{", "2", "}"])
        #expect(tokenizer.split("\\left(x\\right)") == ["\\left(", "x", "\\right)"])
        #expect(tokenizer.split("x^2") == tokenizer.split("x^{2}"))
    }
}

extension LaTeXNormalizerTests {
    /// Nesting far deeper than any formula neither recurses without bound nor loses a token.
    @Test func deepNestingIsPassedThroughFlat() {
        let deep = String(repeating: "{", count: 20_000) + "x" + String(repeating: "}", count: 20_000)
        let normalized = LaTeXNormalizer.normalize(deep).split(separator: " ")
        #expect(normalized.count == 40_001 && normalized.filter { $0 == "{" }.count == 20_000)
        #expect(LaTeXNormalizer.normalize(String(repeating: "\\sqrt", count: 5_000) + " x").split(separator: " ").count == 5_001)
    }
}
