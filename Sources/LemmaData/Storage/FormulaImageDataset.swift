import Foundation
import LemmaTensor

/// One split of an image-to-LaTeX dataset on disk, memory-mapped: each example's processed grey image and
/// its formula's token ids, and where it came from (image name, line of the split list). Files:
/// `pixels.u8` (every image's rows, concatenated), `images.i64` (per example: pixel offset, width, height,
/// source line), `tokens.i32` + `offsets.i64` (token ids), `names.txt` (image names), `meta.json`.
public final class FormulaImageDataset {
    public let url: URL
    public let info: FormulaImageDatasetInfo
    private let pixels: MappedFile, images: MappedFile, tokens: MappedFile, offsets: MappedFile
    public let names: [String]

    /// Opens the split at `url` and checks its index once (one pass over the example and token tables), so
    /// that damaged files are reported by name here instead of crashing a later read. `vocabularySize`, when
    /// given, bounds the token ids.
    public init(url: URL, vocabularySize: Int? = nil) throws {
        self.url = url
        let meta = url.appendingPathComponent("meta.json")
        guard let data = try? Data(contentsOf: meta) else {
            throw FileFormatError(meta.path, "missing: the dataset was not prepared (run lemma prepare)")
        }
        do { info = try JSONDecoder().decode(FormulaImageDatasetInfo.self, from: data) } catch {
            throw FileFormatError(meta.path, "not a formula image dataset: \(error.localizedDescription)")
        }
        pixels = try MappedFile(url.appendingPathComponent("pixels.u8"))
        images = try MappedFile(url.appendingPathComponent("images.i64"))
        tokens = try MappedFile(url.appendingPathComponent("tokens.i32"))
        offsets = try MappedFile(url.appendingPathComponent("offsets.i64"))
        let nameText = (try? String(contentsOf: url.appendingPathComponent("names.txt"), encoding: .utf8)) ?? ""
        names = nameText.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let n = info.exampleCount
        guard images.count(of: Int64.self) == 4 * n, offsets.count(of: Int64.self) == n + 1, names.count == n,
              tokens.count(of: Int32.self) == Int(offsets.element(n, as: Int64.self)) else {
            throw FileFormatError(url.path, "files disagree with meta.json's \(n) examples (re-run lemma prepare)")
        }
        try checkIndex(vocabularySize: vocabularySize)
    }

    /// The writer lays images and token lists end to end, so every offset must equal the running total and the
    /// totals must equal the files' sizes; anything else is a damaged or hand-edited split.
    private func checkIndex(vocabularySize: Int?) throws {
        let damaged = " (re-run lemma prepare)"
        var pixelTotal = 0
        for index in 0..<count {
            let offset = images.element(4 * index, as: Int64.self)
            let width = images.element(4 * index + 1, as: Int64.self), height = images.element(4 * index + 2, as: Int64.self)
            guard offset == Int64(pixelTotal) else {
                throw FileFormatError(images.path, "example \(index + 1): pixel offset \(offset), expected \(pixelTotal)" + damaged)
            }
            guard (1...Int64(FormulaImageDataset.largestSide)).contains(width), (1...Int64(FormulaImageDataset.largestSide)).contains(height) else {
                throw FileFormatError(images.path, "example \(index + 1): image size \(width)×\(height), expected 1 to \(FormulaImageDataset.largestSide) pixels a side" + damaged)
            }
            pixelTotal += Int(width * height)
        }
        guard pixelTotal == pixels.byteCount else {
            throw FileFormatError(pixels.path, "\(pixels.byteCount) bytes, the image table needs \(pixelTotal)" + damaged)
        }
        for index in 0..<count {
            let start = offsets.element(index, as: Int64.self), end = offsets.element(index + 1, as: Int64.self)
            guard (index > 0 || start == 0), start <= end else {
                throw FileFormatError(offsets.path, "example \(index + 1): token offsets \(start)…\(end) out of order" + damaged)
            }
        }
        if let vocabularySize {
            for (position, id) in tokens.buffer(of: Int32.self).enumerated() where id < 0 || Int(id) >= vocabularySize {
                throw FileFormatError(tokens.path, "token \(position + 1): id \(id) is outside the vocabulary's \(vocabularySize) tokens (the split and its vocab.txt disagree; re-run lemma prepare)")
            }
        }
    }

    /// No processed image comes near this (im2markup's largest bucket is 800 × 800); beyond it a side is garbage.
    public static let largestSide = 1 << 16

    public var count: Int { info.exampleCount }

    /// Width and height of example `index`'s image.
    public func size(_ index: Int) -> (width: Int, height: Int) {
        (Int(images.element(4 * index + 1, as: Int64.self)), Int(images.element(4 * index + 2, as: Int64.self)))
    }

    /// The line of the split list (or formula list) the example came from, 1-based.
    public func sourceLine(_ index: Int) -> Int { Int(images.element(4 * index + 3, as: Int64.self)) }

    public func image(_ index: Int) -> GrayImage {
        let offset = Int(images.element(4 * index, as: Int64.self))
        let (width, height) = size(index)
        let all = pixels.buffer(of: UInt8.self)
        return GrayImage(width: width, height: height, pixels: Array(all[offset..<(offset + width * height)]))
    }

    public func tokenIDs(_ index: Int) -> [Int32] {
        let start = Int(offsets.element(index, as: Int64.self)), end = Int(offsets.element(index + 1, as: Int64.self))
        return Array(tokens.buffer(of: Int32.self)[start..<end])
    }
}

public struct FormulaImageDatasetInfo: Codable, Equatable, Sendable {
    public var exampleCount: Int
    /// Examples dropped by the filters, and formulas that could not be rendered or read, by reason.
    public var dropped: [String: Int]
    public var preprocessing: FormulaImagePreprocessing
    public var source: String

    public init(exampleCount: Int, dropped: [String: Int], preprocessing: FormulaImagePreprocessing, source: String) {
        (self.exampleCount, self.dropped, self.preprocessing, self.source) = (exampleCount, dropped, preprocessing, source)
    }
}

/// Writes a `FormulaImageDataset` one example at a time in constant memory, staged beside its destination
/// and moved into place whole by `finish`.
public final class FormulaImageDatasetWriter {
    private let directory: StagingDirectory
    private let pixels: BufferedFile, images: BufferedFile, tokens: BufferedFile, offsets: BufferedFile, names: BufferedFile
    private var pixelCount: Int64 = 0, tokenCount: Int64 = 0
    public private(set) var exampleCount = 0

    public init(destination: URL) throws {
        directory = try StagingDirectory(for: destination)
        pixels = try BufferedFile(directory.file("pixels.u8"))
        images = try BufferedFile(directory.file("images.i64"))
        tokens = try BufferedFile(directory.file("tokens.i32"))
        offsets = try BufferedFile(directory.file("offsets.i64"))
        names = try BufferedFile(directory.file("names.txt"))
        try offsets.append(Int64(0))
    }

    public func append(image: GrayImage, tokenIDs: [Int32], name: String, sourceLine: Int) throws {
        try images.append(contentsOf: [pixelCount, Int64(image.width), Int64(image.height), Int64(sourceLine)])
        try pixels.append(contentsOf: image.pixels)
        pixelCount += Int64(image.pixels.count)
        try tokens.append(contentsOf: tokenIDs)
        tokenCount += Int64(tokenIDs.count)
        try offsets.append(tokenCount)
        try names.append(contentsOf: Array((name.replacingOccurrences(of: "\n", with: " ") + "\n").utf8))
        exampleCount += 1
    }

    public func finish(dropped: [String: Int], preprocessing: FormulaImagePreprocessing, source: String) throws {
        for file in [pixels, images, tokens, offsets, names] { try file.close() }
        try directory.finish(meta: FormulaImageDatasetInfo(exampleCount: exampleCount, dropped: dropped,
                                                           preprocessing: preprocessing, source: source), what: "dataset")
    }
}
