import Foundation
import LemmaData
import LemmaModels
import LemmaTensor
import LemmaText
import LemmaTrain
import Testing

/// The language-model corpus path: documents streamed in pieces give exactly the ids of the whole text, the
/// token stream stores and windows them, `<|endoftext|>` in the text is the special token (or text when
/// asked), and bad input names the file and byte offset.
struct LanguageModelDataTests {
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-lm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Text with the whitespace patterns GPT-2's pre-tokenizer treats specially: runs of newlines and spaces,
    /// tabs, spaces before words, numbers and punctuation, contractions, non-ASCII characters.
    static let awkwardText: String = {
        var text = ""
        let parts = ["theorem ax-mp", "\n", "  ", "|- ( ph -> ps )", "\n\n", "It's 42 proofs.", " \t ", "∀x ∈ ℝ", "\n  \n",
                     "don't", "   ", "x", "\n", "y", " ", "(", "\r\n", "é😀", "\n\n\n", "end"]
        for i in 0..<400 { text += parts[i % parts.count] + parts[(i * 7) % parts.count] }
        return text
    }()

    @Test func piecesTokenizeExactlyAsTheWholeText() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("corpus.txt")
        try Self.awkwardText.write(to: file, atomically: true, encoding: .utf8)
        let tokenizer = try GPT2Tokenizer.bundled()
        let whole = tokenizer.encode(Self.awkwardText)
        for pieceBytes in [64, 100, 257, 1 << 20] {
            var ids: [Int32] = [], pieces = 0
            try DocumentSource(path: file.path, pieceBytes: pieceBytes).read { piece in
                if case .text(let text) = piece {
                    ids += tokenizer.encode(text)
                    pieces += 1
                }
            }
            #expect(ids == whole, "pieces of \(pieceBytes) bytes tokenize differently from the whole text")
            if pieceBytes < 1000 { #expect(pieces > 10, "the text was not actually cut (\(pieces) pieces)") }
        }
    }

    @Test func endOfTextInTheTextIsTheSpecialTokenUnlessAsked() throws {
        let tokenizer = try GPT2Tokenizer.bundled()
        let text = "a proof<|endoftext|>next"
        #expect(tokenizer.encode(text, allowedSpecial: [GPT2Tokenizer.endOfText]).contains(50256))
        let plain = tokenizer.encode(text)
        #expect(!plain.contains(50256) && plain.count > 5, "as text, <|endoftext|> is ordinary characters")
    }

    @Test func streamsHoldEveryDocumentWithSeparatorsAndWindowThem() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("docs")
        try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
        let documents = (0..<5).map { "document \($0): " + String(repeating: "word \($0) ", count: 20 + $0) }
        for (i, text) in documents.enumerated() {
            try text.write(to: corpus.appendingPathComponent("d\(i).txt"), atomically: true, encoding: .utf8)
        }
        let tokenizer = try GPT2Tokenizer.bundled()
        let stream = try LanguageModelData.encode(DocumentSource(path: corpus.path), into: dir.appendingPathComponent("stream"),
                                                  tokenizer: tokenizer, allowSpecial: true)
        let expected: [Int32] = documents.flatMap { tokenizer.encode($0) + [Int32(50256)] }
        #expect(stream.info.bytesPerToken == 2 && stream.info.documentCount == 5)
        #expect(stream.ids(0..<stream.count) == expected)
        let windows = TokenWindows(stream, blockSize: 16)
        #expect(windows.count == (expected.count - 1) / 16)
        let batch = windows.batch([2, 0])
        #expect(Array(batch.inputs.values[0..<16]) == Array(expected[32..<48]))
        #expect(Array(batch.targets.values[0..<16]) == Array(expected[33..<49]))
        #expect(Array(batch.inputs.values[16..<32]) == Array(expected[0..<16]))
        // The same corpus through a glob.
        let globbed = try DocumentSource(path: corpus.path + "/d*.txt").files()
        #expect(globbed.count == 5 && globbed.first!.hasSuffix("d0.txt"))
    }

    @Test func invalidUTF8NamesTheFileAndByteOffset() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.txt")
        var bytes = Array(String(repeating: "fine text\n", count: 30).utf8)
        bytes[123] = 0xFF
        try Data(bytes).write(to: file)
        do {
            try DocumentSource(path: file.path, pieceBytes: 64).read { _ in }
            Issue.record("invalid UTF-8 was read without an error")
        } catch let error as FileFormatError {
            #expect("\(error)".contains(file.path) && "\(error)".contains("byte offset 123"), "\(error)")
        }
    }

    @Test func heldOutDocumentsAndTheTailOfOneFile() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let jsonl = dir.appendingPathComponent("docs.jsonl")
        try (0..<200).map { "{\"text\": \"theorem \($0) holds by induction\"}" }.joined(separator: "\n")
            .write(to: jsonl, atomically: true, encoding: .utf8)
        let config = try RunConfiguration(values: ["task": .string("language_model"), "data.train": .string(jsonl.path),
                                                   "data.valid_fraction": .double(0.1)])
        let data = try LanguageModelData.prepare(try LanguageModelData.Settings(config), into: dir.appendingPathComponent("data")) { _ in }
        let held = data.valid!.info.documentCount
        #expect(held > 5 && held < 40 && data.train.info.documentCount + held == 200, "held out \(held) of 200")
        // One text file: its tail is held out.
        let text = dir.appendingPathComponent("one.txt")
        try Self.awkwardText.write(to: text, atomically: true, encoding: .utf8)
        let single = try RunConfiguration(values: ["task": .string("language_model"), "data.train": .string(text.path),
                                                   "data.valid_fraction": .double(0.2)])
        let split = try LanguageModelData.prepare(try LanguageModelData.Settings(single), into: dir.appendingPathComponent("single")) { _ in }
        let share = Double(split.valid!.count) / Double(split.train.count + split.valid!.count)
        #expect(share > 0.1 && share < 0.3, "the held-out tail is \(share) of the tokens")
    }
}
