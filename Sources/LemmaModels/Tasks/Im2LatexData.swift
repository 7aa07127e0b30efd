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
        /// A directory written by `lemma prepare --config` (`data.prepared`) to use instead of preparing.
        public var prepared: URL?
        /// The largest processed image kept for training and validation: the largest bucket, or untrix's
        /// canvas when smaller.
        public var largestImage: (width: Int, height: Int)

        public init(_ c: RunConfiguration) throws {
            func url(_ key: String) -> URL? { c.string(key).map { URL(fileURLWithPath: $0) } }
            guard let train = url("data.train") else { throw ConfigError("'data.train' is required: the training split list") }
            guard let valid = url("data.valid") else { throw ConfigError("'data.valid' is required: the validation split list") }
            (self.train, self.valid, test) = (train, valid, url("data.test"))
            formulas = url("data.formulas")
            images = url("data.images")
            maxTokens = c.int("data.max_tokens") ?? 150
            guard maxTokens > 0 else { throw ConfigError("'data.max_tokens' must be at least 1") }
            if let name = c.string("tokenizer.splitting"), let chosen = LaTeXTokenizer.Splitting(rawValue: name) {
                splitting = chosen
            } else {
                // CSV and JSON Lines files hold LaTeX as people write it (`\frac{a}{b}`), not im2markup's
                // normalized, space-separated tokens: normalized first, so that one formula is one target.
                let rawLaTeX = [train, valid, test].compactMap { $0 }.contains { ["csv", "jsonl"].contains($0.pathExtension.lowercased()) }
                splitting = rawLaTeX ? .im2markup : .whitespace
            }
            minFrequency = c.int("tokenizer.min_frequency") ?? 1
            guard minFrequency >= 1 else { throw ConfigError("'tokenizer.min_frequency' must be at least 1") }
            preprocessing = FormulaImagePreprocessing()
            preprocessing.downsampleRatio = c.int("data.downsample_ratio") ?? 2
            let pad = c.int("data.image_padding") ?? 8
            preprocessing.padding = [pad, pad, pad, pad]
            do { try preprocessing.validate() } catch { throw ConfigError("\(error)") }
            // Both CNNs pool each side by 8 at least; a smaller downsampled bucket would leave no features.
            let ratio = preprocessing.downsampleRatio
            if let small = preprocessing.buckets.map({ min($0[0], $0[1]) }).min(), (small + ratio - 1) / ratio < 8 {
                throw ConfigError("'data.downsample_ratio' \(ratio) shrinks the smallest bucket side (\(small) pixels) below the 8 pixels the CNN pools to one feature; use at most \((small + 6) / 7 - 1)")
            }
            renderDPI = c.int("data.render_dpi") ?? 200
            guard (30...1200).contains(renderDPI) else { throw ConfigError("'data.render_dpi' must be between 30 and 1200") }
            prepared = url("data.prepared")
            largestImage = preprocessing.largestBucket
            // im2markup's filter: processed images up to 500 × 160 train; the few larger ones (46 of the
            // bundled 16,355) would set the peak memory of the whole run through one batch of 800 × 800.
            let maxWidth = c.int("data.max_image_width") ?? 500, maxHeight = c.int("data.max_image_height") ?? 160
            guard maxWidth > 0, maxHeight > 0 else { throw ConfigError("'data.max_image_width' and 'data.max_image_height' must be positive") }
            largestImage = (min(largestImage.width, maxWidth), min(largestImage.height, maxHeight))
            if c.string("model.arch") == "untrix" {
                largestImage = (min(largestImage.width, c.int("model.canvas_width") ?? 544),
                                min(largestImage.height, c.int("model.canvas_height") ?? 64))
            }
        }

        /// The settings that shape prepared data, by configuration key (paths absolute), as
        /// `preparation.json` records them.
        var shaping: [String: String] {
            func path(_ url: URL?) -> String { url?.standardizedFileURL.path ?? "" }
            return ["data.formulas": path(formulas), "data.images": path(images), "data.train": path(train),
                    "data.valid": path(valid), "data.test": path(test), "data.max_tokens": String(maxTokens),
                    "tokenizer.splitting": splitting.rawValue,
                    "tokenizer.min_frequency": String(minFrequency),
                    "data.downsample_ratio": String(preprocessing.downsampleRatio),
                    "data.image_padding": String(preprocessing.padding[0]), "data.render_dpi": String(renderDPI),
                    "largest_image": "\(largestImage.width)x\(largestImage.height)",
                    Im2LatexData.formatKey: Im2LatexData.format]
        }
    }

    /// Renders what is missing, then writes the three splits and the vocabulary into `directory` (the run's
    /// `data/`). Formulas that fail to compile and unreadable images are logged with their file and line and
    /// counted, never fatal; over-long formulas and over-large images leave train and valid only.
    public static func prepare(_ settings: Settings, into directory: URL, log: @escaping (String) -> Void = { _ in }) throws -> Im2LatexData {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let formulas = try settings.formulas.map(FormulaSplitList.readFormulas)
        var splits: [(name: String, url: URL, examples: [FormulaExample])] = [
            ("train", settings.train, try FormulaSplitList.read(settings.train, formulas: formulas)),
            ("valid", settings.valid, try FormulaSplitList.read(settings.valid, formulas: formulas)),
        ]
        if let test = settings.test { splits.append(("test", test, try FormulaSplitList.read(test, formulas: formulas))) }
        let imageDirectory = settings.images ?? directory.appendingPathComponent("images")

        // Render what is missing, on both cores.
        let failed = try renderMissing(splits.flatMap(\.examples), origin: { example in
            splits.first { $0.examples.contains(example) }?.url.path ?? "?"
        }, settings: settings, imageDirectory: imageDirectory, log: log)

        // The vocabulary: the training formulas that train — within the length limit, and rendered.
        let splitter = LaTeXTokenizer(vocabulary: Vocabulary(tokens: []), splitting: settings.splitting)
        let trainFormulas = splits[0].examples.filter { !failed.contains($0.imageName) }.map(\.formula)
            .filter { splitter.split($0).count <= settings.maxTokens }
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
    /// over-large images are left out when `filter` (train and valid), unrendered and unreadable ones and empty formulas always.
    static func writeSplit(_ examples: [FormulaExample], name: String, origin: URL, filter: Bool, tokenizer: LaTeXTokenizer,
                           settings: Settings, imageDirectory: URL, failed: Set<String>, into destination: URL,
                           log: (String) -> Void) throws {
        let largest = settings.largestImage
        let writer = try FormulaImageDatasetWriter(destination: destination)
        var dropped: [String: Int] = [:]
        for example in examples {
            let path = imageDirectory.appendingPathComponent(example.imageName)
            // A formula with no tokens is nothing to learn and cannot be scored (its image metrics would divide by 0).
            let ids = tokenizer.encode(example.formula)
            if ids.isEmpty {
                log("\(origin.path):\(example.line): the formula is empty")
                dropped["empty_formula", default: 0] += 1
                continue
            }
            if failed.contains(example.imageName) { dropped["not_rendered", default: 0] += 1; continue }
            let image: GrayImage
            do { image = try PNGCodec.read(path) } catch {
                log("\(origin.path):\(example.line): \(error)")
                dropped["unreadable_image", default: 0] += 1
                continue
            }
            guard let processed = settings.preprocessing.process(image) else {
                log("\(origin.path):\(example.line): \(example.imageName) is blank (no pixel darker than the paper)")
                dropped["blank_image", default: 0] += 1
                continue
            }
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
        let missing = examples.filter { !FileManager.default.fileExists(atPath: imageDirectory.appendingPathComponent($0.imageName).path) }
        let missingCount = Set(missing.map(\.imageName)).count
        guard let first = missing.first else { return [] }
        // The renderer reports progress from its workers one call at a time (under its lock).
        nonisolated(unsafe) let progressLog = log
        let renderer: FormulaRenderer
        do {
            renderer = try FormulaRenderer(dpi: settings.renderDPI)
        } catch {
            // Without LaTeX a list line whose image is absent points nowhere: name the first such line.
            throw FileFormatError(origin(first), "line \(first.line): image \(first.imageName) is not in \(imageDirectory.path) "
                                  + "and cannot be rendered (\(error)); \(missingCount == 1 ? "it is the only image missing" : "\(missingCount) images are missing")")
        }
        let workers = ProcessInfo.processInfo.activeProcessorCount
        log("rendering \(missingCount) formula\(missingCount == 1 ? "" : "s") into \(imageDirectory.path) (LaTeX + dvipng, \(workers) workers)")
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
    /// `lemma eval --data LIST`), rendering what is missing. A CSV or JSON Lines list holds LaTeX as written:
    /// for a run trained on im2markup's normalized lists it is normalized the same way, not split on spaces.
    public static func prepareExtra(_ list: URL, settings: Settings, tokenizer: LaTeXTokenizer, into directory: URL,
                                    log: @escaping (String) -> Void) throws -> FormulaImageDataset {
        let rawLaTeX = ["csv", "jsonl"].contains(list.pathExtension.lowercased())
        let tokenizer = rawLaTeX && tokenizer.splitting == .whitespace
            ? LaTeXTokenizer(vocabulary: tokenizer.vocabulary, splitting: .im2markup) : tokenizer
        let formulas = try settings.formulas.map(FormulaSplitList.readFormulas)
        let examples = try FormulaSplitList.read(list, formulas: formulas)
        let imageDirectory = settings.images ?? directory.appendingPathComponent("images")
        let failed = try renderMissing(examples, origin: { _ in list.path }, settings: settings, imageDirectory: imageDirectory, log: log)
        let destination = directory.appendingPathComponent("eval")
        try writeSplit(examples, name: "eval", origin: list, filter: false, tokenizer: tokenizer, settings: settings,
                       imageDirectory: imageDirectory, failed: failed, into: destination, log: log)
        return try FormulaImageDataset(url: destination, vocabularySize: tokenizer.vocabularySize)
    }

    static let preparationFile = "preparation.json"
    /// The rules of preparation itself, raised when they change what a prepared directory holds, so that data
    /// prepared by an older Lemma is prepared again rather than adopted. 2: the vocabulary counts only training
    /// formulas that rendered; images are normalized to ink on white paper before cropping. 3: that normalization
    /// no longer inverts rendered formulas whose border is mostly ink.
    static let formatKey = "preparation_format", format = "3"

    /// `lemma prepare --config`: `prepare` into a new directory `output` (staged beside it and renamed when
    /// complete) with `preparation.json` recording the settings, for runs to adopt through `data.prepared`.
    public static func prepareAlone(_ settings: Settings, into output: URL, log: @escaping (String) -> Void) throws -> String {
        guard !FileManager.default.fileExists(atPath: output.path) else {
            throw ConfigError("\(output.path) already exists; prepare into a new directory")
        }
        // Staged as every dataset is: a failure or Ctrl-C leaves nothing at `output`.
        let staging = try StagingDirectory(for: output)
        let data = try prepare(settings, into: staging.url, log: log)
        let record = try JSONSerialization.data(withJSONObject: settings.shaping, options: [.prettyPrinted, .sortedKeys])
        try writeAtomically(to: staging.file(preparationFile)) { append in try record.withUnsafeBytes { try append($0) } }
        try staging.finish(what: "prepared data")
        return "wrote \(output.path): train \(data.train.count), valid \(data.valid.count)"
            + (data.test.map { ", test \($0.count)" } ?? "") + " images; vocabulary \(data.tokenizer.vocabularySize) tokens"
    }

    /// A run's data taken from a directory `lemma prepare --config` wrote: the settings must be the ones it
    /// was prepared with (a difference is named), and its files are hard-linked (copied across file systems)
    /// into the run's `data/`, so the run stays whole if the prepared directory is later removed.
    public static func adopt(_ prepared: URL, settings: Settings, into directory: URL) throws -> Im2LatexData {
        let recordURL = prepared.appendingPathComponent(preparationFile)
        guard let bytes = FileManager.default.contents(atPath: recordURL.path) else {
            throw ConfigError("'data.prepared' \(prepared.path) has no \(preparationFile): prepare it with `lemma prepare --config CONFIG --output DIR`")
        }
        guard let recorded = try? JSONSerialization.jsonObject(with: bytes) as? [String: String] else {
            throw FileFormatError(recordURL.path, "expected a JSON object of strings (the settings the data was prepared with)")
        }
        if recorded[formatKey] != format {
            throw ConfigError("'data.prepared' \(prepared.path) was prepared by another version of Lemma (preparation format "
                + "\(recorded[formatKey] ?? "1"), this Lemma's is \(format)); prepare it again with `lemma prepare --config CONFIG --output DIR`")
        }
        for (key, value) in settings.shaping.sorted(by: { $0.key < $1.key }) where recorded[key] != value {
            func shown(_ v: String?) -> String { v.map { $0.isEmpty ? "unset" : "'\($0)'" } ?? "unrecorded" }
            throw ConfigError("'data.prepared' \(prepared.path) was prepared with \(key) \(shown(recorded[key])), this configuration has \(shown(value)); "
                + "prepare again or use the same value")
        }
        try linkTree(prepared, to: directory)
        return try open(directory, settings: settings)
    }

    /// Recreates the directory tree at `source` under `destination`, each file a hard link where possible.
    static func linkTree(_ source: URL, to destination: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: destination, withIntermediateDirectories: true)
        for name in try manager.contentsOfDirectory(atPath: source.path) {
            let from = source.appendingPathComponent(name), to = destination.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            _ = manager.fileExists(atPath: from.path, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                try linkTree(from, to: to)
            } else if (try? manager.linkItem(at: from, to: to)) == nil {
                try manager.copyItem(at: from, to: to)
            }
        }
    }

    public static func open(_ directory: URL, settings: Settings) throws -> Im2LatexData {
        let vocabulary = try Vocabulary(contentsOf: directory.appendingPathComponent(vocabularyFile), specialTokens: specialTokens)
        let tokenizer = LaTeXTokenizer(vocabulary: vocabulary, splitting: settings.splitting)
        guard let bos = vocabulary.id(Vocabulary.bos), let eos = vocabulary.id(Vocabulary.eos), let pad = vocabulary.id(Vocabulary.pad) else {
            throw FileFormatError(directory.appendingPathComponent(vocabularyFile).path, "the vocabulary lacks <bos>, <eos> or <pad>")
        }
        let testURL = directory.appendingPathComponent("test")
        let test = FileManager.default.fileExists(atPath: testURL.path) ? try FormulaImageDataset(url: testURL, vocabularySize: vocabulary.count) : nil
        return Im2LatexData(tokenizer: tokenizer, train: try FormulaImageDataset(url: directory.appendingPathComponent("train"), vocabularySize: vocabulary.count),
                            valid: try FormulaImageDataset(url: directory.appendingPathComponent("valid"), vocabularySize: vocabulary.count), test: test,
                            bos: bos, eos: eos, pad: pad, preprocessing: settings.preprocessing)
    }
}
