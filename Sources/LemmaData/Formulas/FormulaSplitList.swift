import Foundation
import LemmaTensor

/// One example named by a split list: its image file and its formula, with the line it came from.
public struct FormulaExample: Equatable, Sendable {
    public var imageName: String
    public var formula: String
    /// 1-based line of the split list (or JSONL file).
    public var line: Int

    public init(imageName: String, formula: String, line: Int) {
        (self.imageName, self.formula, self.line) = (imageName, formula, line)
    }
}

/// im2markup's data files: `formulas.lst` (one formula per line, named by 0-based line number) and split
/// lists in either of its layouts — `image_name formula_index` after its preprocessing, or
/// `formula_index image_name render_type` in its raw sample data (the image name without `.png`) — or
/// LaTeX directly: a JSON Lines file of `{"latex": …, "image": …}` objects or a CSV file with a header and
/// columns `latex` and `image` (`image` optional in both). Every problem is one line naming the file and line.
public enum FormulaSplitList {
    /// The formulas of a list, split on "\n" only, as im2markup reads them (a formula may hold a "\r").
    public static func readFormulas(_ url: URL) throws -> [String] {
        let data = try WholeFile.read(url, what: "the formula list")
        guard String(data: data, encoding: .utf8) != nil else {
            throw FileFormatError(url.path, "the formula list is not UTF-8 text")
        }
        var lines = lines(of: data)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Lines split on the byte 0x0A. (Splitting a Swift String on "\n" would keep "\r\n", one grapheme, whole.)
    /// A leading UTF-8 byte-order mark (Windows editors write one) is not part of the first line.
    static func lines(of data: Data) -> [String] {
        let body = data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data[...]
        return body.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The examples of a split list. `formulas` is the formula list (nil: the split must be JSON Lines or
    /// CSV); a JSON line or CSV record without an image is given `imageName(rendering:)`.
    public static func read(_ url: URL, formulas: [String]?) throws -> [FormulaExample] {
        if url.pathExtension.lowercased() == "csv" { return try readCSV(url) }
        let data = try WholeFile.read(url, what: "a split list")
        guard String(data: data, encoding: .utf8) != nil else { throw FileFormatError(url.path, "the split list is not UTF-8 text") }
        let isJSONLines = url.pathExtension.lowercased() == "jsonl"
        var examples: [FormulaExample] = []
        for (offset, raw) in lines(of: data).enumerated() {
            let line = offset + 1
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            func fail(_ message: String) -> FileFormatError { FileFormatError(url.path, "line \(line): \(message)") }
            if isJSONLines {
                guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                    throw fail("not a JSON object")
                }
                guard let latex = object["latex"] as? String else { throw fail("no string field \"latex\"") }
                if object["image"] != nil, !(object["image"] is String) { throw fail("field \"image\" must be a string") }
                let image = (object["image"] as? String) ?? imageName(rendering: latex)
                try checkInside(image, fail: fail)
                examples.append(FormulaExample(imageName: image, formula: latex, line: line))
                continue
            }
            guard let formulas else {
                throw FileFormatError(url.path, "a split list of image names and formula indices needs data.formulas (or use a .jsonl or .csv split with a \"latex\" field)")
            }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let image: String, index: Int
            if fields.count == 2, let i = Int(fields[1]) {
                (image, index) = (fields[0], i)  // image_name formula_index
            } else if (2...3).contains(fields.count), let i = Int(fields[0]) {
                (image, index) = (fields[1], i)  // formula_index image_name [render_type]
            } else {
                throw fail("expected 'image_name formula_index' or 'formula_index image_name render_type', got '\(trimmed.prefix(80))'")
            }
            guard formulas.indices.contains(index) else {
                throw fail("formula index \(index) is out of range (the formula list has \(formulas.count) formulas, numbered from 0)")
            }
            let name = image.contains(".") ? image : image + ".png"
            try checkInside(name, fail: fail)
            examples.append(FormulaExample(imageName: name, formula: formulas[index], line: line))
        }
        guard !examples.isEmpty else { throw FileFormatError(url.path, "no examples") }
        return examples
    }

    /// A CSV split: a header naming a `latex` column and optionally an `image` column (RFC 4180 quoting, so
    /// formulas may hold commas, quotes and newlines).
    static func readCSV(_ url: URL) throws -> [FormulaExample] {
        let probe = try CSVExampleReader(path: url.path, textColumn: "latex")
        let reader = probe.header.contains("image") ? try CSVExampleReader(path: url.path, textColumn: "latex", labelColumn: "image") : probe
        var examples: [FormulaExample] = []
        while let record = try reader.next() {
            let line = record.source.line ?? 0
            let image = record.label.flatMap { $0.isEmpty ? nil : $0 } ?? imageName(rendering: record.text)
            try checkInside(image) { FileFormatError(url.path, "line \(line): \($0)") }
            examples.append(FormulaExample(imageName: image, formula: record.text, line: line))
        }
        guard !examples.isEmpty else { throw FileFormatError(url.path, "no examples") }
        return examples
    }

    /// The image a formula without one is rendered to: named by the formula itself (64-bit FNV-1a of its
    /// UTF-8), because rendering skips images that exist. A name from the file and line would pair an edited
    /// line, or another file's same line, with the image rendered for the old formula.
    public static func imageName(rendering formula: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in formula.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return "latex-" + String(repeating: "0", count: 16 - hex.count) + hex + ".png"
    }

    /// Image names are paths inside the image directory: no absolute paths, no `..`.
    static func checkInside(_ name: String, fail: (String) -> FileFormatError) throws {
        guard !name.isEmpty, !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else {
            throw fail("image name '\(name)' must be a path inside data.images")
        }
    }
}
