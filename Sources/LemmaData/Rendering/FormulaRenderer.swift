import Foundation

/// Renders LaTeX formulas to PNG with Debian's TeX Live (`latex`) and `dvipng`, as im2markup renders
/// im2latex-100k: each formula in a `displaymath` on its own page of a 12pt article, `\pagestyle{empty}`,
/// amsmath. Many formulas share one LaTeX run (one page each) because starting TeX costs more than typesetting
/// a formula; a formula that fails to compile is found from the error's line, reported with LaTeX's message
/// and left out, and the rest of its batch is rendered again without it. A run that hangs is killed at a
/// deadline and its batch split until the culprit stands alone.
public struct FormulaRenderer: Sendable {
    /// Dots per inch for dvipng (im2markup rasterizes its PDFs at a density of 200).
    public var dpi: Int
    /// Formulas per LaTeX run.
    public var batchSize: Int
    public var latexPath: String, dvipngPath: String

    public enum Outcome: Equatable, Sendable {
        case rendered
        /// LaTeX's error (or why nothing came out), one line.
        case failed(String)
    }

    public init(dpi: Int = 200, batchSize: Int = 48) throws {
        self.dpi = dpi
        self.batchSize = max(1, batchSize)
        latexPath = try Self.locate("latex")
        dvipngPath = try Self.locate("dvipng")
    }

    /// The LaTeX document for `formulas`, one per page, and the line (1-based) where each formula starts.
    public static func document(_ formulas: [String]) -> (text: String, firstLines: [Int]) {
        var lines = [
            "\\documentclass[12pt]{article}",
            "\\pagestyle{empty}",
            "\\usepackage{amsmath}",
            "\\usepackage{amssymb}",
            "\\newcommand{\\mymatrix}[1]{\\begin{matrix}#1\\end{matrix}}",
            "\\newcommand{\\mypmatrix}[1]{\\begin{pmatrix}#1\\end{pmatrix}}",
            "\\begin{document}",
        ]
        var firstLines: [Int] = []
        for formula in formulas {
            firstLines.append(lines.count + 1)
            // One line per formula, so an error's line number names it.
            let flat = Self.joiningDimensions(formula.split(whereSeparator: \.isNewline).joined(separator: " "))
            lines += ["\\begin{displaymath}", flat, "\\end{displaymath}", "\\newpage"]
        }
        lines.append("\\end{document}")
        return (lines.joined(separator: "\n") + "\n", firstLines)
    }

    /// Renders `formulas[i]` to `outputs[i]` (written whole or not at all), using `workDirectory` for scratch
    /// files (best on the outputs' file system, so each image is renamed into place).
    public func render(_ formulas: [String], to outputs: [URL], workDirectory: URL) throws -> [Outcome] {
        precondition(formulas.count == outputs.count)
        var outcomes = [Outcome?](repeating: nil, count: formulas.count)
        var start = 0
        while start < formulas.count {
            let end = min(start + batchSize, formulas.count)
            try renderBatch(Array(start..<end), formulas, outputs, workDirectory, &outcomes)
            start = end
        }
        return outcomes.map { $0 ?? .failed("not rendered") }
    }

    private func renderBatch(_ items: [Int], _ formulas: [String], _ outputs: [URL], _ work: URL,
                             _ outcomes: inout [Outcome?]) throws {
        guard !items.isEmpty else { return }
        let scratch = work.appendingPathComponent("render-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (text, firstLines) = Self.document(items.map { formulas[$0] })
        try Data(text.utf8).write(to: scratch.appendingPathComponent("batch.tex"))

        func split(_ reason: String) throws {
            if items.count == 1 { outcomes[items[0]] = .failed(reason); return }
            let half = items.count / 2
            try renderBatch(Array(items[..<half]), formulas, outputs, work, &outcomes)
            try renderBatch(Array(items[half...]), formulas, outputs, work, &outcomes)
        }

        let latex = try ExternalCommand(executable: latexPath,
                                        arguments: ["-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "batch.tex"],
                                        directory: scratch, timeout: 20 + 2 * Double(items.count)).run()
        guard let status = latex.status else { return try split("LaTeX did not finish within its time limit") }
        let log = (try? String(contentsOf: scratch.appendingPathComponent("batch.log"), encoding: .utf8)) ?? latex.output
        if status != 0 {
            let (message, line) = Self.firstError(in: log)
            // The formula whose lines hold the error; the others go round again without it.
            if let line, let position = firstLines.lastIndex(where: { $0 <= line }), line < firstLines[position] + 4 {
                outcomes[items[position]] = .failed(message)
                try renderBatch(Array(items[..<position]), formulas, outputs, work, &outcomes)
                try renderBatch(Array(items[(position + 1)...]), formulas, outputs, work, &outcomes)
                return
            }
            return try split(message)
        }
        guard Self.pageCount(in: log) == items.count else { return try split("LaTeX produced no page for the formula") }
        let dvipng = try ExternalCommand(executable: dvipngPath,
                                         arguments: ["-q", "-D", String(dpi), "-T", "tight", "-bg", "White", "-z", "6",
                                                     "-o", "page%d.png", "batch.dvi"],
                                         directory: scratch, timeout: 20 + Double(items.count)).run()
        guard dvipng.status == 0 else {
            return try split("dvipng failed: \(dvipng.output.split(separator: "\n").first ?? "")")
        }
        for (page, item) in items.enumerated() {
            let image = scratch.appendingPathComponent("page\(page + 1).png")
            guard FileManager.default.fileExists(atPath: image.path) else {
                outcomes[item] = .failed("dvipng wrote no image for the formula")
                continue
            }
            if rename(image.path, outputs[item].path) != 0 {
                // Another file system: copy beside the target, then rename.
                let data = try Data(contentsOf: image)
                try data.write(to: outputs[item], options: .atomic)
            }
            outcomes[item] = .rendered
        }
    }

    /// Normalized formulas (im2markup's token lists) put spaces inside dimensions, `\hspace { 1 c m }`, which TeX
    /// rejects ("Illegal unit of measure"); the spaces inside the argument of a spacing command or of `\\ [ … ]`
    /// are removed before rendering. The formula's tokens (the training target) are unchanged.
    public static func joiningDimensions(_ formula: String) -> String {
        var result = formula
        for pattern in [#"\\(?:hspace|vspace|hskip|vskip|kern|mkern|mskip|rule|raisebox)\*?\s*\{([^{}]*)\}"#, #"\\\\\s*\[([^\[\]]*)\]"#] {
            let regex = try! NSRegularExpression(pattern: pattern)
            let text = result as NSString
            var rebuilt = "", last = 0
            for match in regex.matches(in: result, range: NSRange(location: 0, length: text.length)) {
                let argument = match.range(at: 1)
                rebuilt += text.substring(with: NSRange(location: last, length: argument.location - last))
                rebuilt += text.substring(with: argument).replacingOccurrences(of: " ", with: "")
                last = argument.location + argument.length
            }
            result = rebuilt + text.substring(from: last)
        }
        return result
    }

    /// LaTeX's first error message and the input line it names (the `l.123` line after it).
    static func firstError(in log: String) -> (message: String, line: Int?) {
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false)
        guard let at = lines.firstIndex(where: { $0.hasPrefix("! ") }) else {
            return ("LaTeX failed without an error message", nil)
        }
        let message = "LaTeX: " + lines[at].dropFirst(2).trimmingCharacters(in: .whitespaces)
        for candidate in lines[at...].prefix(40) where candidate.hasPrefix("l.") {
            let digits = candidate.dropFirst(2).prefix { $0.isNumber }
            if let line = Int(digits) { return (message, line) }
        }
        return (message, nil)
    }

    /// The page count of "Output written on batch.dvi (12 pages, …)".
    static func pageCount(in log: String) -> Int? {
        guard let range = log.range(of: "Output written on ") else { return nil }
        let rest = log[range.upperBound...]
        guard let open = rest.firstIndex(of: "(") else { return nil }
        return Int(rest[rest.index(after: open)...].prefix { $0.isNumber })
    }

    private static func locate(_ program: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw RenderingError("\(program) is not installed (scripts/setup.sh installs texlive-latex-base, texlive-latex-recommended and dvipng)")
    }
}
