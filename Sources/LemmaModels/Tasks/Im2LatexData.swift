import Foundation
import LemmaData
import LemmaTensor
import LemmaText
import LemmaTrain

/// The data of an im2latex run, prepared once into the run directory: `data/train`, `data/valid`,
/// `data/test` (processed images and token ids, memory-mapped) and `data/vocab.txt`, so a resumed run, eval
/// and predict read what training read. Images missing from `data.images` are rendered first (LaTeX +
/// dvipng, both cores); then each image is read, cropped, padded, bucketed and downsampled one at a time.
public struct Im2LatexData {
    public let tokenizer: LaTeXTokenizer
    public let train: FormulaImageDataset
    public let valid: FormulaImageDataset
    public let test: FormulaImageDataset?
    public let bos: Int32, eos: Int32, pad: Int32
    public let preprocessing: FormulaImagePreprocessing

    public static let specialTokens = [Vocabulary.pad, Vocabulary.unknown, Vocabulary.bos, Vocabulary.eos]
    static let vocabularyFile = "vocab.txt"

    public struct Settings {
        public var formulas: URL?
        public var images: URL?
        public var train: URL, valid: URL, test: URL?
        public var maxTokens: Int
        public var splitting: LaTeXTokenizer.Splitting
        public var minFrequency: Int
        public var preprocessing: FormulaImagePreprocessing
        public var renderDPI: Int

        public init(_ c: RunConfiguration) throws {
            func url(_ key: String) -> URL? { c.string(key).map { URL(fileURLWithPath: $0) } }
            guard let train = url("data.train") else { throw ConfigError("'data.train' is required: the training split list") }
            guard let valid = url("data.valid") else { throw ConfigError("'data.valid' is required: the validation split list") }
            (self.train, self.valid, test) = (train, valid, url("data.test"))
            formulas = url("data.formulas")
            images = url("data.images")
            maxTokens = c.int("data.max_tokens") ?? 150
            guard maxTokens > 0 else { throw ConfigError("'data.max_tokens' must be at least 1") }
            splitting = c.string("tokenizer.splitting") == "latex" ? .latex : .whitespace
            minFrequency = c.int("tokenizer.min_frequency") ?? 1
            guard minFrequency >= 1 else { throw ConfigError("'tokenizer.min_frequency' must be at least 1") }
            preprocessing = FormulaImagePreprocessing()
            preprocessing.downsampleRatio = c.int("data.downsample_ratio") ?? 2
            let pad = c.int("data.image_padding") ?? 8
            preprocessing.padding = [pad, pad, pad, pad]
            do { try preprocessing.validate() } catch { throw ConfigError("\(error)") }
            renderDPI = c.int("data.render_dpi") ?? 200
            guard (30...1200).contains(renderDPI) else { throw ConfigError("'data.render_dpi' must be between 30 and 1200") }
        }
    }

    /// Renders what is missing, then writes the three splits and the vocabulary into `directory` (the run's
    /// `data/`). Formulas that fail to compile and unreadable images are logged with their file and line and
    /// counted, never fatal; over-long formulas and over-large images leave train and valid only.
    public static func prepare(_ settings: Settings, into directory: URL, log: @escaping (String) -> Void = { _ in }) throws -> Im2LatexData {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let formulas = try settings.formulas.map(FormulaSplitList.readFormulas)
        var splits: [(name: String, url: URL, examples: [FormulaExample])] = [
            ("train", settings.train, try FormulaSplitList.read(settings.train, formulas: formulas, split: "train")),
            ("valid", settings.valid, try FormulaSplitList.read(settings.valid, formulas: formulas, split: "valid")),
        ]
        if let test = settings.test { splits.append(("test", test, try FormulaSplitList.read(test, formulas: formulas, split: "test"))) }
        let imageDirectory = settings.images ?? directory.appendingPathComponent("images")

        // Render what is missing, on both cores.
        let failed = try renderMissing(splits.flatMap(\.examples), origin: { example in
            splits.first { $0.examples.contains(example) }?.url.path ?? "?"
        }, settings: settings, imageDirectory: imageDirectory, log: log)

        // The vocabulary: training formulas within the length limit.
        let splitter = LaTeXTokenizer(vocabulary: Vocabulary(tokens: []), splitting: settings.splitting)
        let trainFormulas = splits[0].examples.map(\.formula).filter { splitter.split($0).count <= settings.maxTokens }
        let tokenizer = LaTeXTokenizer(buildingFrom: trainFormulas, splitting: settings.splitting,
                                       minFrequency: settings.minFrequency, specialTokens: specialTokens)
        try tokenizer.vocabulary.write(to: directory.appendingPathComponent(vocabularyFile))
        log("\(vocabularyFile): \(tokenizer.vocabularySize) tokens from the training split")

        for (name, origin, examples) in splits {
            try writeSplit(examples, name: name, origin: origin, filter: name != "test", tokenizer: tokenizer, settings: settings,
                           imageDirectory: imageDirectory, failed: failed, into: directory.appendingPathComponent(name), log: log)
        }
        return try open(directory, settings: settings)
    }

    /// Reads, processes and writes one split's examples (in constant memory): over-long formulas and
    /// over-large images are left out when `filter` (train and valid), unrendered and unreadable ones always.
    static func writeSplit(_ examples: [FormulaExample], name: String, origin: URL, filter: Bool, tokenizer: LaTeXTokenizer,
                           settings: Settings, imageDirectory: URL, failed: Set<String>, into destination: URL,
                           log: (String) -> Void) throws {
        let largest = settings.preprocessing.largestBucket
        let writer = try FormulaImageDatasetWriter(destination: destination)
        var dropped: [String: Int] = [:]
        for example in examples {
            let path = imageDirectory.appendingPathComponent(example.imageName)
            if failed.contains(example.imageName) { dropped["not_rendered", default: 0] += 1; continue }
            let image: GrayImage
            do { image = try PNGCodec.read(path) } catch {
                log("\(origin.path):\(example.line): \(error)")
                dropped["unreadable_image", default: 0] += 1
                continue
            }
            guard let processed = settings.preprocessing.process(image) else {
                dropped["blank_image", default: 0] += 1
                continue
            }
            let ids = tokenizer.encode(example.formula)
            if filter {
                if ids.count > settings.maxTokens { dropped["too_many_tokens", default: 0] += 1; continue }
                if processed.width > largest.width || processed.height > largest.height {
                    dropped["image_too_large", default: 0] += 1
                    continue
                }
            }
            try writer.append(image: processed, tokenIDs: ids, name: example.imageName, sourceLine: example.line)
        }
        guard writer.exampleCount > 0 else { throw FileFormatError(origin.path, "no examples left for \(name) (dropped: \(dropped))") }
        try writer.finish(dropped: dropped, preprocessing: settings.preprocessing, source: origin.path)
        let note = dropped.isEmpty ? "" : "; left out: " + dropped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        log("\(name): \(writer.exampleCount) examples from \(origin.path)\(note)")
    }

    /// Renders the examples whose images are missing; returns the names that failed (each logged with its line).
    static func renderMissing(_ examples: [FormulaExample], origin: (FormulaExample) -> String, settings: Settings,
                              imageDirectory: URL, log: @escaping (String) -> Void) throws -> Set<String> {
        let missingCount = Set(examples.filter { !FileManager.default.fileExists(atPath: imageDirectory.appendingPathComponent($0.imageName).path) }
            .map(\.imageName)).count
        guard missingCount > 0 else { return [] }
        // The renderer reports progress from its workers one call at a time (under its lock).
        nonisolated(unsafe) let progressLog = log
        let renderer = try FormulaRenderer(dpi: settings.renderDPI)
        let workers = ProcessInfo.processInfo.activeProcessorCount
        log("rendering \(missingCount) formulas into \(imageDirectory.path) (LaTeX + dvipng, \(workers) workers)")
        let start = Date()
        let step = max(500, missingCount / 10)
        let failures = try renderer.renderMissing(examples, into: imageDirectory, workers: workers) { done, total in
            if done / step != (done - min(done, renderer.batchSize * 4)) / step || done == total {
                progressLog("rendered \(done)/\(total) (\(Int(Date().timeIntervalSince(start))) s)")
            }
        }
        for (example, message) in failures { log("\(origin(example)):\(example.line): not rendered: \(message)") }
        log("rendered \(missingCount - failures.count) of \(missingCount) in \(Int(Date().timeIntervalSince(start))) s; \(failures.count) failed to compile")
        return Set(failures.map(\.0.imageName))
    }

    /// A split list read with the run's settings and vocabulary into `directory` as an unfiltered split (for
    /// `lemma eval --data LIST`), rendering what is missing.
    public static func prepareExtra(_ list: URL, settings: Settings, tokenizer: LaTeXTokenizer, into directory: URL,
                                    log: @escaping (String) -> Void) throws -> FormulaImageDataset {
        let formulas = try settings.formulas.map(FormulaSplitList.readFormulas)
        let examples = try FormulaSplitList.read(list, formulas: formulas, split: "eval")
        let imageDirectory = settings.images ?? directory.appendingPathComponent("images")
        let failed = try renderMissing(examples, origin: { _ in list.path }, settings: settings, imageDirectory: imageDirectory, log: log)
        let destination = directory.appendingPathComponent("eval")
        try writeSplit(examples, name: "eval", origin: list, filter: false, tokenizer: tokenizer, settings: settings,
                       imageDirectory: imageDirectory, failed: failed, into: destination, log: log)
        return try FormulaImageDataset(url: destination)
    }

    public static func open(_ directory: URL, settings: Settings) throws -> Im2LatexData {
        let vocabulary = try Vocabulary(contentsOf: directory.appendingPathComponent(vocabularyFile), specialTokens: specialTokens)
        let tokenizer = LaTeXTokenizer(vocabulary: vocabulary, splitting: settings.splitting)
        guard let bos = vocabulary.id(Vocabulary.bos), let eos = vocabulary.id(Vocabulary.eos), let pad = vocabulary.id(Vocabulary.pad) else {
            throw FileFormatError(directory.appendingPathComponent(vocabularyFile).path, "the vocabulary lacks <bos>, <eos> or <pad>")
        }
        let testURL = directory.appendingPathComponent("test")
        let test = FileManager.default.fileExists(atPath: testURL.path) ? try FormulaImageDataset(url: testURL) : nil
        return Im2LatexData(tokenizer: tokenizer, train: try FormulaImageDataset(url: directory.appendingPathComponent("train")),
                            valid: try FormulaImageDataset(url: directory.appendingPathComponent("valid")), test: test,
                            bos: bos, eos: eos, pad: pad, preprocessing: settings.preprocessing)
    }
}
