import Foundation
import LemmaData
import Testing

/// The `lemma` tool as scripts use it: run the built binary, read its output and exit status.
struct CommandLineTests {
    struct Result {
        let status: Int32
        let output: String
        let error: String
    }

    /// The binary sits beside the test bundle in the build folder.
    static let binary: URL = {
        var directory = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("lemma").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("lemma")
    }()

    /// `lemma arguments…`, started in `workingDirectory` (default: the tests' own).
    func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:], workingDirectory: URL? = nil) throws -> Result {
        try runProgram(Self.binary.path, arguments, input: input, environment: environment, workingDirectory: workingDirectory)
    }

    /// Another program (mpirun) with the same plumbing.
    func runProgram(_ path: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:],
                    workingDirectory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        // Drain standard error on another thread: a child that fills one pipe while we wait on the other
        // would block forever.
        let errorData = ErrorCollector()
        let reader = Thread { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let error = errorData.wait()
        return Result(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                      error: String(decoding: error, as: UTF8.self))
    }

    /// Standard error, filled by a reader thread.
    final class ErrorCollector: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)
        func set(_ value: Data) {
            data = value
            done.signal()
        }
        func wait() -> Data {
            done.wait()
            return data
        }
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-cli-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func infoReportsDenormalFlushingInEveryThreadAndTheSettingThatKeepsThem() throws {
        let flushed = try run(["info"], environment: ["LEMMA_FLUSH_DENORMALS": "1"])
        #expect(flushed.status == 0, "\(flushed.error)")
        let line = flushed.output.split(separator: "\n").first { $0.hasPrefix("denormals:") }.map(String.init)
        let threads = flushed.output.split(separator: "\n").first { $0.hasPrefix("threads:") }
            .flatMap { Int($0.dropFirst("threads: ".count)) } ?? 0
        #expect(line == "denormals: flushed to zero (FTZ + DAZ; main thread yes, worker threads \(threads) of \(threads)); LEMMA_FLUSH_DENORMALS=0 keeps them")
        let kept = try run(["info"], environment: ["LEMMA_FLUSH_DENORMALS": "0"])
        #expect(kept.output.contains("denormals: kept (LEMMA_FLUSH_DENORMALS=0); main thread no, worker threads 0 of \(threads) flushing"),
                "\(kept.output)")
    }

    @Test func infoNamesTheConvolutionAlgorithmAndItsSetting() throws {
        func line(_ setting: String?) throws -> String? {
            let result = try run(["info"], environment: setting.map { ["LEMMA_CONV_ALGORITHM": $0] } ?? [:])
            return result.output.split(separator: "\n").first { $0.hasPrefix("convolution:") }.map(String.init)
        }
        #expect(try line(nil)?.hasPrefix("convolution: automatic (Winograd F(2×2, 3×3) for 3×3 stride-1") == true)
        #expect(try line("direct") == "convolution: direct (oneDNN), from LEMMA_CONV_ALGORITHM=direct")
        #expect(try line("winograd")?.hasPrefix("convolution: Winograd F(2×2, 3×3) wherever it applies") == true)
        #expect(try line("fastest")?.hasSuffix("LEMMA_CONV_ALGORITHM=fastest is not auto, direct or winograd") == true)
    }

    @Test func tokenizePrintsOneJSONArrayPerLineAndDetokenizeInvertsIt() throws {
        let text = "Hello world\n∀ε>0 \\frac{a}{b}  \n"
        let ids = try run(["tokenize", "--tokenizer", "gpt2"], input: text)
        #expect(ids.status == 0, "\(ids.error)")
        let lines = ids.output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first == "[15496,995]")
        let back = try run(["detokenize"], input: ids.output)
        #expect(back.output == text)
        let tokens = try run(["tokenize", "--tokenizer", "gpt2", "--tokens"], input: "Hello world\n")
        #expect(tokens.output == "[\"Hello\",\"Ġworld\"]\n")
    }

    /// A full disk under `lemma … > out`: status 1 and the reason, not a crash (FileHandle's write) or a silent
    /// success with an empty file (stdio's buffer) — for output written as it comes and output `print`ed.
    @Test(.enabled(if: FileManager.default.isWritableFile(atPath: "/dev/full")))
    func aFailedWriteToStandardOutputIsAnErrorNotACrashOrSuccess() throws {
        for arguments in [["tokenize", "--tokenizer", "gpt2"], ["info"]] {
            let process = Process()
            process.executableURL = Self.binary
            process.arguments = arguments
            let full = try #require(FileHandle(forWritingAtPath: "/dev/full")), err = Pipe(), input = Pipe()
            (process.standardOutput, process.standardError, process.standardInput) = (full, err, input)
            try process.run()
            input.fileHandleForWriting.write(Data("Hello world\n".utf8))
            try input.fileHandleForWriting.close()
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 1, "\(arguments): \(message)")
            #expect(message == "Error: cannot write to standard output: No space left on device\n", "\(arguments)")
        }
    }

    @Test func badInputIsAOneLineErrorNamingTheLine() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("notes.txt")
        try Data([0x6f, 0x6b, 0x0a, 0xff, 0xfe, 0x0a]).write(to: file)
        let result = try run(["tokenize", "--tokenizer", "gpt2", file.path])
        #expect(result.status != 0)
        #expect(result.error.contains("notes.txt:2: invalid UTF-8"))
        let unknown = try run(["tokenize", "--tokenizer", "nope"], input: "x\n")
        #expect(unknown.status != 0 && unknown.error.contains("--tokenizer must be one of"))
    }

    @Test func prepareWithTheAMSMapSkipsOrReclassesLabelsOfNewerDumpsAndCountsThem() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tsv = directory.appendingPathComponent("dump.tsv")
        try "text\tlabel\nLet x be prime\tlemma\nGraphs, primes\tkeywords\nBy induction\tproof\nSee [3]\trelated work\n"
            .write(to: tsv, atomically: true, encoding: .utf8)
        let strict = try run(["prepare", "--input", tsv.path, "--output", directory.appendingPathComponent("a").path, "--label-map", "ams8"])
        #expect(strict.status != 0)
        #expect(strict.error.contains("dump.tsv: line 3: label 'keywords' is not in the label map"), "\(strict.error)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("a").path))

        let skipped = try run(["prepare", "--input", tsv.path, "--output", directory.appendingPathComponent("b").path,
                               "--label-map", "ams8", "--unknown-labels", "skip"])
        #expect(skipped.status == 0, "\(skipped.error)")
        #expect(skipped.error.contains("2 examples with labels outside the label map skipped: keywords 1, related work 1"), "\(skipped.error)")
        #expect(try TokenDataset(url: directory.appendingPathComponent("b")).count == 2)

        let other = try run(["prepare", "--input", tsv.path, "--output", directory.appendingPathComponent("c").path,
                             "--label-map", "ams8", "--unknown-labels", "map:other"])
        #expect(other.status == 0, "\(other.error)")
        let reclassed = try TokenDataset(url: directory.appendingPathComponent("c"))
        #expect(reclassed.count == 4)
        #expect(reclassed.info.labels.last == "other")
        let bad = try run(["prepare", "--input", tsv.path, "--output", directory.appendingPathComponent("d").path,
                           "--label-map", "ams8", "--unknown-labels", "drop"])
        #expect(bad.status != 0 && bad.error.contains("'drop' is not a policy"), "\(bad.error)")
    }

    @Test func prepareWritesAReadableDatasetAndNothingOnError() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("corpus.csv")
        try "text,label\n\"A theorem, about primes\",theorem\nProof. By induction.,proof\nLet G be a group,definition\n"
            .write(to: csv, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("data")
        let result = try run(["prepare", "--input", csv.path, "--output", output.path, "--tokenizer", "word", "--lowercase"])
        #expect(result.status == 0, "\(result.error)")
        let dataset = try TokenDataset(url: output)
        #expect(dataset.count == 3)
        #expect(dataset.info.labels == ["theorem", "proof", "definition"])
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("vocab.txt").path))

        let bad = directory.appendingPathComponent("bad.csv")
        try "text,label\n\"never closed\n".write(to: bad, atomically: true, encoding: .utf8)
        let failed = try run(["prepare", "--input", bad.path, "--output", directory.appendingPathComponent("other").path])
        #expect(failed.status != 0)
        #expect(failed.error.contains("bad.csv: line 2"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["bad.csv", "corpus.csv", "data"])

        // --config prepares a task's data (im2latex); a classification config is told to use --input.
        let config = directory.appendingPathComponent("c.yaml")
        try "task: classification\ndata:\n  train: \(csv.path)\n".write(to: config, atomically: true, encoding: .utf8)
        let refused = try run(["prepare", "--config", config.path, "--output", directory.appendingPathComponent("p").path])
        #expect(refused.status != 0 && refused.error.contains("--input") && refused.error.contains("im2latex"), "\(refused.error)")
        let both = try run(["prepare", "--config", config.path, "--input", csv.path, "--output", directory.appendingPathComponent("p").path])
        #expect(both.status != 0 && both.error.contains("either --input CORPUS or --config CONFIG"), "\(both.error)")
        let ignored = try run(["prepare", "--config", config.path, "--min-frequency", "3", "--output", directory.appendingPathComponent("p").path])
        #expect(ignored.status != 0 && ignored.error.contains("--min-frequency applies to --input"), "\(ignored.error)")
    }

    /// An im2latex list line whose image is absent, on a machine without LaTeX to render it: one line naming
    /// the list and the line, and nothing prepared.
    @Test func anIm2LatexListLineThatPointsNowhereIsNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-cli-nowhere-\(UUID())")
        let images = directory.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "x ^ { 2 }\ny _ { i }\n".write(to: directory.appendingPathComponent("formulas.lst"), atomically: true, encoding: .utf8)
        for name in ["train.lst", "valid.lst"] {
            try "0 present.png\n1 absent.png\n".write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let blank = [UInt8](repeating: 255, count: 40 * 20).enumerated().map { $0.offset % 40 == 7 ? 0 : $0.element }
        try PNGCodec.write(GrayImage(width: 40, height: 20, pixels: blank), to: images.appendingPathComponent("present.png"))
        let config = directory.appendingPathComponent("c.yaml")
        try """
            task: im2latex
            data:
              formulas: \(directory.path)/formulas.lst
              images: \(images.path)
              train: \(directory.path)/train.lst
              valid: \(directory.path)/valid.lst
            """.write(to: config, atomically: true, encoding: .utf8)
        let emptyPath = directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: emptyPath, withIntermediateDirectories: true)
        let output = directory.appendingPathComponent("prepared")
        let failed = try run(["prepare", "--config", config.path, "--output", output.path], environment: ["PATH": emptyPath.path])
        #expect(failed.status != 0, "\(failed.output)")
        let lines = failed.error.split(separator: "\n").filter { $0.hasPrefix("Error") }
        #expect(lines.count == 1 && lines[0].contains("train.lst: line 2") && lines[0].contains("absent.png")
                && lines[0].contains("not installed"), "\(failed.error)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}
