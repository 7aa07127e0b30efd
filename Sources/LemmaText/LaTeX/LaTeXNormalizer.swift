/// Rewrites LaTeX as people write it into the canonical form of im2markup's normalized formulas (its
/// `preprocess_latex.js`, which parses with KaTeX and prints the tree back), so that `x^2`, `x^{2}` and
/// `x ^ { 2 }` are one target and a model trained on im2latex-100k reads users' LaTeX in its own vocabulary:
///
/// - tokens separated by single spaces; `\left(`, `\right)`, `\begin{array}`, `\operatorname*` one token each;
/// - a script or accent argument that is not a group gets braces (`x ^ { 2 }`, `\hat { x }`); `_` before `^`;
///   a prime is a superscript `\prime` (`f ^ { \prime }`);
/// - `\frac` and `\binom` keep their arguments as written (`\frac 1 2`); `\dfrac`, `\tfrac` → `\frac`;
///   `\overline`, `\underline` always wrap their argument in a group;
/// - named operators spelt out: `\sin` → `\operatorname { s i n }`, `\lim` → `\operatorname* { l i m }`;
/// - `\text`, `\mbox`, `\hbox`, `\rm` → `\mathrm`; `\label{…}`, comments, `$` and `\>` removed; outside
///   environments `\\` becomes `\,`, as im2markup's script does.
///
/// A token-level parser, not a TeX engine: it never fails; what it does not know it passes through.
public enum LaTeXNormalizer {
    public static func normalize(_ latex: String) -> String {
        var parser = Parser(tokens: tokens(preprocessed(latex)))
        return parser.document().joined(separator: " ")
    }

    /// The LaTeX tokenizer's tokens, except that `--` and `---` written together stay one token (KaTeX's
    /// ligatures; im2latex-100k has `D _ { -- }`), while `- -` stays two.
    static func tokens(_ text: String) -> [String] {
        text.split(whereSeparator: \.isWhitespace).flatMap { chunk -> [String] in
            var merged: [String] = []
            for token in LaTeXTokenizer.splitLaTeX(String(chunk)) {
                if token == "-", let last = merged.last, last == "-" || last == "--" {
                    merged[merged.count - 1] = last + "-"
                } else {
                    merged.append(token)
                }
            }
            return merged
        }
    }

    /// im2markup's textual clean-up before parsing.
    static func preprocessed(_ latex: String) -> String {
        var text = ""
        var escaped = false
        for character in latex {
            if character == "%" && !escaped { break }  // a comment runs to the end
            escaped = character == "\\" && !escaped
            text.append(character)
        }
        text = text.replacingAll("\\~", with: " ").replacingAll("\\>", with: " ")
        text = removingLabels(text)
        let usesEnvironments = ["matrix", "cases", "array", "begin"].contains { text.contains($0) }
        if !usesEnvironments { text = text.replacingAll("\\\\", with: "\\,") }
        text = text.replacingAll("{\\rm", with: "\\mathrm{").replacingAll("{ \\rm", with: "\\mathrm{").replacingAll("\\rm{", with: "\\mathrm{")
        // Unescaped dollars delimit math; they are not part of the formula.
        var result = ""
        escaped = false
        for character in text {
            if character == "$" && !escaped { result.append(" ") } else { result.append(character) }
            escaped = character == "\\" && !escaped
        }
        return result
    }

    static func removingLabels(_ text: String) -> String {
        var text = text
        while let start = text.range(of: "\\label{"), let end = text[start.upperBound...].firstIndex(of: "}") {
            text.removeSubrange(start.lowerBound...end)
        }
        return text
    }

    static let fractions: [String: String] = ["\\frac": "\\frac", "\\dfrac": "\\frac", "\\tfrac": "\\frac", "\\cfrac": "\\frac",
                                              "\\binom": "\\binom", "\\dbinom": "\\binom", "\\tbinom": "\\binom"]
    /// Accents whose argument gets braces (KaTeX's accents; `\widehat` and `\widetilde` were not among them, and
    /// im2markup's formulas keep their arguments as written).
    static let accents: Set<String> = ["\\hat", "\\check", "\\breve", "\\acute", "\\grave", "\\tilde", "\\bar", "\\vec",
                                       "\\dot", "\\ddot", "\\mathring"]
    static let underOver: Set<String> = ["\\overline", "\\underline"]
    /// Fonts KaTeX keeps by name; the box commands become `\mathrm`.
    static let fonts: Set<String> = ["\\mathrm", "\\mathit", "\\mathbf", "\\mathsf", "\\mathtt", "\\mathbb", "\\mathcal",
                                     "\\mathfrak", "\\mathscr", "\\boldsymbol", "\\bm", "\\Bbb", "\\bold", "\\frak",
                                     "\\textrm", "\\textit", "\\textbf", "\\textsf", "\\texttt", "\\textnormal", "\\textup"]
    static let textBoxes: Set<String> = ["\\text", "\\mbox", "\\hbox"]
    /// Named operators without limits (`\operatorname`) and with them (`\operatorname*`), as KaTeX defines them.
    static let operators: Set<String> = ["\\arcsin", "\\arccos", "\\arctan", "\\arg", "\\cos", "\\cosh", "\\cot", "\\coth",
                                         "\\csc", "\\deg", "\\dim", "\\exp", "\\hom", "\\ker", "\\lg", "\\ln", "\\log",
                                         "\\sec", "\\sin", "\\sinh", "\\tan", "\\tanh"]
    static let limitOperators: Set<String> = ["\\det", "\\gcd", "\\inf", "\\lim", "\\liminf", "\\limsup", "\\max", "\\min",
                                              "\\Pr", "\\sup"]

    /// Recursive descent over the LaTeX tokenizer's tokens, printing as it goes.
    struct Parser {
        let tokens: [String]
        var position = 0

        var next: String? { position < tokens.count ? tokens[position] : nil }
        mutating func take() -> String { defer { position += 1 }; return tokens[position] }

        /// The whole formula; closers without an opener are kept as they are.
        mutating func document() -> [String] {
            var output = expression()
            while next != nil { output.append(take()); output += expression() }
            return output
        }

        /// Items up to a closing brace, `\right`, `\end` or the end, none of which it takes.
        mutating func expression() -> [String] {
            var output: [String] = []
            while let token = next, token != "}", token != "\\right", token != "\\end" {
                output += item()
            }
            return output
        }

        /// One base with its scripts: `_ { … }` then `^ { … }`, primes first in the superscript.
        mutating func item() -> [String] {
            // A script may lack a base (`^ { 2 }`); a prime without one stays a prime (`{ ' }`).
            let base = next == "^" || next == "_" ? [] : primary().tokens
            var sub: [String]?, sup: [String]?
            while let token = next, ["^", "_", "'"].contains(token) {
                position += 1
                if token == "'" {
                    sup = (sup ?? []) + ["\\prime"]
                } else if next != nil {
                    let argument = primary()
                    let inner = argument.isGroup ? Array(argument.tokens.dropFirst().dropLast()) : argument.tokens
                    if token == "_" { sub = (sub ?? []) + inner } else { sup = (sup ?? []) + inner }
                }
            }
            var output = base
            if let sub { output += ["_", "{"] + sub + ["}"] }
            if let sup { output += ["^", "{"] + sup + ["}"] }
            return output
        }

        /// A group, or one token with the arguments its command takes.
        mutating func primary() -> (tokens: [String], isGroup: Bool) {
            guard let token = next else { return ([], false) }
            if token == "}" || token == "\\right" || token == "\\end" { return ([], false) }
            position += 1
            switch token {
            case "{":
                let inner = expression()
                if next == "}" { position += 1 }
                return (["{"] + inner + ["}"], true)
            case "\\left":
                let open = next.map { _ in take() } ?? ""
                let body = expression()
                var output = ["\\left" + open] + body
                if next == "\\right" {
                    position += 1
                    output.append("\\right" + (next.map { _ in take() } ?? ""))
                }
                return (output, false)
            case "\\begin":
                return (environment(), false)
            case "\\sqrt":
                var output = ["\\sqrt"]
                if next == "[" {
                    position += 1
                    var index: [String] = []
                    while let t = next, !["]", "}", "\\right", "\\end"].contains(t) { index += item() }
                    if next == "]" { position += 1 }
                    output += ["["] + index + ["]"]
                }
                return (output + primary().tokens, false)
            case "\\operatorname":
                var name = token
                if next == "*" {
                    position += 1
                    name += "*"
                }
                return ([name] + primary().tokens, false)
            case "\\rm":
                return (["\\mathrm", "{"] + expression() + ["}"], false)
            default:
                break
            }
            if let fraction = LaTeXNormalizer.fractions[token] { return ([fraction] + primary().tokens + primary().tokens, false) }
            if LaTeXNormalizer.accents.contains(token) {
                let argument = primary()
                return ([token] + (argument.isGroup ? argument.tokens : ["{"] + argument.tokens + ["}"]), false)
            }
            if LaTeXNormalizer.underOver.contains(token) { return ([token, "{"] + primary().tokens + ["}"], false) }
            if LaTeXNormalizer.textBoxes.contains(token) {
                let argument = primary()
                return (["\\mathrm", "{"] + (argument.isGroup ? Array(argument.tokens.dropFirst().dropLast()) : argument.tokens) + ["}"], false)
            }
            if LaTeXNormalizer.fonts.contains(token) { return ([token] + primary().tokens, false) }
            if LaTeXNormalizer.operators.contains(token) || LaTeXNormalizer.limitOperators.contains(token) {
                let name = LaTeXNormalizer.limitOperators.contains(token) ? "\\operatorname*" : "\\operatorname"
                return ([name, "{"] + token.dropFirst().map(String.init) + ["}"], false)
            }
            return ([token], false)
        }

        /// `\begin{name}` (already past `\begin`) to `\end{name}`: one token each, an array's column
        /// specification as a group of single letters and rules, rows and cells as written.
        mutating func environment() -> [String] {
            let name = braced()
            var output = ["\\begin{\(name)}"]
            if name == "array" || name == "tabular", next == "{" {
                position += 1
                var columns: [String] = []
                while let t = next, t != "}" { columns.append(take()) }
                if next == "}" { position += 1 }
                output += ["{"] + columns + ["}"]
            }
            output += expression()
            if next == "\\end" {
                position += 1
                output.append("\\end{\(braced())}")
            }
            return output
        }

        /// The letters of `{name}` (environment names), taken whole.
        mutating func braced() -> String {
            guard next == "{" else { return "" }
            position += 1
            var name = ""
            while let t = next, t != "}" { name += take() }
            if next == "}" { position += 1 }
            return name
        }
    }
}

extension String {
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        components(separatedBy: target).joined(separator: replacement)
    }
}
