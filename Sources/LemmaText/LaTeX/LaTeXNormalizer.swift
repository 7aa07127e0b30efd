import Foundation

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
/// - `\text`, `\mbox`, `\hbox`, `\vbox`, `\rm` → `\mathrm` (spaces in text as `~`); `\Bbb`, `\bold`, `\frak`
///   → `\mathbb`, `\mathbf`, `\mathfrak`; `\limits`, `\nolimits` dropped; `a \over b` → `\frac { a } { b }`;
/// - environments as KaTeX builds them: every cell a group, every row ended by `\\`, `pmatrix` and its
///   kin as `\left( \begin{matrix} … \end{matrix} \right)`, `cases` inside `\left\{ … \right.`, an
///   array's columns as `{ c c | l }`;
/// - `\label{…}`, comments, `$` and `\>` removed; outside environments `\\` becomes `\,`, as im2markup's
///   script does.
///
/// Where im2markup's output is a quirk rather than LaTeX, this keeps the LaTeX: `\%` and `\$` stay (its
/// script cut at every `%`), `\sqrt [ n ]` keeps its index (it printed `[object Object]`), a prime and a
/// superscript join (`f ^ { \prime 2 }`; KaTeX kept only the last script), and a cell that is already one
/// group is not braced twice.
///
/// A token-level parser, not a TeX engine: it never fails; what it does not know it passes through, and
/// nesting deeper than `maximumDepth` is passed through flat rather than recursed into.
public enum LaTeXNormalizer {
    public static func normalize(_ latex: String) -> String {
        var parser = Parser(tokens: tokens(preprocessed(latex)))
        return parser.document().joined(separator: " ")
    }

    static let maximumDepth = 200

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
        var escaped = false, inComment = false
        for character in latex {
            if inComment {  // a comment runs to the end of its line
                if character == "\n" { inComment = false; text.append(character) }
                continue
            }
            if character == "%" && !escaped { inComment = true; continue }
            escaped = character == "\\" && !escaped
            text.append(character)
        }
        text = spacesInText(text)
        text = text.replacingOccurrences(of: "\\~", with: " ").replacingOccurrences(of: "\\>", with: " ")
        text = removingLabels(text)
        let usesEnvironments = ["matrix", "cases", "array", "begin"].contains { text.contains($0) }
        if !usesEnvironments { text = text.replacingOccurrences(of: "\\\\", with: "\\,") }
        text = text.replacingOccurrences(of: "{\\rm", with: "\\mathrm{").replacingOccurrences(of: "{ \\rm", with: "\\mathrm{").replacingOccurrences(of: "\\rm{", with: "\\mathrm{")
        // Unescaped dollars delimit math; they are not part of the formula.
        var result = ""
        escaped = false
        for character in text {
            if character == "$" && !escaped { result.append(" ") } else { result.append(character) }
            escaped = character == "\\" && !escaped
        }
        return result
    }

    /// Text mode keeps its spaces, which KaTeX prints as `~`: within the braces of `\text`, `\mbox`, `\hbox`
    /// and `\vbox`, each run of spaces becomes ` ~ ` before tokenizing drops whitespace.
    static func spacesInText(_ text: String) -> String {
        let characters = Array(text)
        var output = ""
        var i = 0
        while i < characters.count {
            if characters[i] == "\\", let name = textBoxes.first(where: { command in
                let end = i + command.count
                return end <= characters.count && String(characters[i..<end]) == command
                    && (end == characters.count || !characters[end].isLetter)
            }) {
                output += name
                i += name.count
                while i < characters.count, characters[i].isWhitespace { output.append(characters[i]); i += 1 }
                guard i < characters.count, characters[i] == "{" else { continue }
                var depth = 0, inSpace = false
                while i < characters.count {
                    let character = characters[i]
                    if character == "{" { depth += 1 } else if character == "}" { depth -= 1 }
                    if character.isWhitespace && depth > 0 {
                        if !inSpace { output += " ~ " }
                        inSpace = true
                    } else {
                        output.append(character)
                        inSpace = false
                    }
                    i += 1
                    if depth == 0 { break }
                }
                continue
            }
            output.append(characters[i])
            i += 1
        }
        return output
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
                                       "\\dot", "\\ddot"]
    static let underOver: Set<String> = ["\\overline", "\\underline"]
    /// Fonts KaTeX keeps by name; the box commands become `\mathrm`.
    static let fonts: Set<String> = ["\\mathrm", "\\mathit", "\\mathbf", "\\mathsf", "\\mathtt", "\\mathbb", "\\mathcal",
                                     "\\mathfrak", "\\mathscr", "\\boldsymbol", "\\bm",
                                     "\\textrm", "\\textit", "\\textbf", "\\textsf", "\\texttt", "\\textnormal", "\\textup"]
    static let fontAliases = ["\\Bbb": "\\mathbb", "\\bold": "\\mathbf", "\\frak": "\\mathfrak"]
    static let textBoxes = ["\\text", "\\mbox", "\\hbox", "\\vbox"]
    /// Environments KaTeX builds as a matrix between delimiters.
    static let delimitedMatrices = ["pmatrix": ("(", ")"), "bmatrix": ("[", "]"), "Bmatrix": ("\\{", "\\}"),
                                    "vmatrix": ("|", "|"), "Vmatrix": ("\\|", "\\|")]
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
        var depth = 0

        var next: String? { position < tokens.count ? tokens[position] : nil }
        mutating func take() -> String { defer { position += 1 }; return tokens[position] }

        /// The whole formula; closers without an opener are kept as they are.
        mutating func document() -> [String] {
            var output = expression()
            while next != nil { output.append(take()); output += expression() }
            return output
        }

        /// Items up to a closing brace, `\right`, `\end` or the end (in an environment's cell also `&`, `\\`
        /// and `\cr`), none of which it takes. `a \over b` and `n \choose k` become `\frac` and `\binom`.
        mutating func expression(inCell: Bool = false) -> [String] {
            var items: [[String]] = []
            while let token = next, token != "}", token != "\\right", token != "\\end",
                  !inCell || !["&", "\\\\", "\\cr"].contains(token) {
                items.append(item())
            }
            guard let infix = items.firstIndex(where: { $0 == ["\\over"] || $0 == ["\\choose"] }) else { return items.flatMap { $0 } }
            func side(_ parts: ArraySlice<[String]>) -> [String] {
                if parts.count == 1, let only = parts.first, only.first == "{", only.last == "}", Self.isOneGroup(only) { return only }
                return ["{"] + parts.flatMap { $0 } + ["}"]
            }
            return [items[infix] == ["\\over"] ? "\\frac" : "\\binom"] + side(items[..<infix]) + side(items[(infix + 1)...])
        }

        /// Whether `tokens` is one brace group from its first token to its last.
        static func isOneGroup(_ tokens: [String]) -> Bool {
            var depth = 0
            for (i, token) in tokens.enumerated() {
                if token == "{" { depth += 1 } else if token == "}" { depth -= 1 }
                if depth == 0 && i < tokens.count - 1 { return false }
            }
            return depth == 0 && tokens.first == "{"
        }

        /// One base with its scripts: `_ { … }` then `^ { … }`, primes first in the superscript.
        mutating func item() -> [String] {
            // A script may lack a base (`^ { 2 }`); a prime without one stays a prime (`{ ' }`).
            let base = next == "^" || next == "_" ? [] : primary().tokens
            var sub: [String]?, sup: [String]?
            while let token = next, ["^", "_", "'", "\\limits", "\\nolimits"].contains(token) {
                position += 1
                if token == "\\limits" || token == "\\nolimits" { continue }  // KaTeX takes them, prints neither
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
            // Past this depth the rest is passed through flat: no input can exhaust the stack.
            guard depth < LaTeXNormalizer.maximumDepth else { return ([token], false) }
            depth += 1
            defer { depth -= 1 }
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
            if let font = LaTeXNormalizer.fontAliases[token] { return ([font] + primary().tokens, false) }
            if LaTeXNormalizer.operators.contains(token) || LaTeXNormalizer.limitOperators.contains(token) {
                let name = LaTeXNormalizer.limitOperators.contains(token) ? "\\operatorname*" : "\\operatorname"
                return ([name, "{"] + token.dropFirst().map(String.init) + ["}"], false)
            }
            return ([token], false)
        }

        /// `\begin{name}` (already past `\begin`) to `\end{name}`, as KaTeX builds it: an array's column letters
        /// and rules, then rows of cells, each cell a group (`{ a } & { b } \\`), a row of one empty cell left
        /// out, `\hline` before its row; matrices with delimiters and cases between `\left` and `\right`.
        mutating func environment() -> [String] {
            let name = braced()
            var columns: [String] = []
            if name == "array" || name == "tabular", next == "{" {
                position += 1
                var level = 1
                while let t = next {
                    position += 1
                    if t == "{" { level += 1 } else if t == "}" { level -= 1 }
                    if level == 0 { break }
                    if level == 1, ["l", "c", "r", "|"].contains(t) { columns.append(t) }
                }
            }
            var rows: [[[String]]] = [[]]
            while true {
                rows[rows.count - 1].append(expression(inCell: true))
                if next == "&" {
                    position += 1
                } else if next == "\\\\" || next == "\\cr" {
                    position += 1
                    if next == "[" { while let t = next { position += 1; if t == "]" { break } } }  // `\\[2pt]`
                    rows.append([])
                } else {
                    break
                }
            }
            if next == "\\end" {
                position += 1
                _ = braced()
            }
            let printed = LaTeXNormalizer.delimitedMatrices[name] != nil ? "matrix" : name
            var output = ["\\begin{\(printed)}"] + (name == "array" || name == "tabular" ? ["{"] + columns + ["}"] : [])
            for var row in rows where row.count > 1 || !(row.first?.isEmpty ?? true) {
                if row[0].first == "\\hline" {
                    output.append("\\hline")
                    row[0].removeFirst()
                }
                for (i, cell) in row.enumerated() {
                    if i > 0 { output.append("&") }
                    output += Self.isOneGroup(cell) ? cell : ["{"] + cell + ["}"]
                }
                output.append("\\\\")
            }
            output.append("\\end{\(printed)}")
            if let (open, close) = LaTeXNormalizer.delimitedMatrices[name] { return ["\\left" + open] + output + ["\\right" + close] }
            if name == "cases" { return ["\\left\\{"] + output + ["\\right."] }
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
