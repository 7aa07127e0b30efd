import Foundation
import LemmaData
import LemmaTensor
import Testing

/// The fastText reader against a real model trained by fastText (scripts/make_data_fixtures.py), whose
/// own `get_word_vector` and `get_subwords` answers are in fasttext/expected.json.
struct FastTextModelTests {
    struct Expected: Decodable {
        struct Query: Decodable {
            let word: String
            let vector: [Double]
            let ids: [Int]
            let substrings: [String]
            let inVocabulary: Bool
        }
        let words: [String]
        let dim: Int
        let queries: [Query]
    }

    let expected: Expected
    let model: FastTextModel

    init() throws {
        expected = try DataFixtures.json("fasttext/expected.json", as: Expected.self)
        model = try FastTextModel(path: DataFixtures.path("fasttext/tiny.bin"))
    }

    @Test func readsHeaderArgumentsAndDictionary() {
        #expect(model.version == 12)
        #expect(model.arguments.dim == 8 && model.arguments.minn == 2 && model.arguments.maxn == 4)
        #expect(model.arguments.bucket == 1000 && model.arguments.model == .skipgram)
        #expect(model.words == expected.words)
        #expect(model.labels.isEmpty)
        #expect(model.inputRows == expected.words.count + 1000)
        #expect(model.makesVectorsForUnknownWords)
    }

    @Test func subwordIdsMatchFastText() {
        for query in expected.queries {
            #expect(model.subwordRows(of: query.word) == query.ids, "\(query.word)")
            // fastText lists the word itself first when it is in the dictionary.
            let ngrams = query.inVocabulary ? Array(query.substrings.dropFirst()) : query.substrings
            #expect(model.subwordStrings(of: query.word) == ngrams, "\(query.word)")
        }
    }

    @Test func vectorsMatchFastTextExactlyForKnownAndUnknownWords() {
        for query in expected.queries {
            let outcome: LookupOutcome = query.inVocabulary ? .inVocabulary : (query.ids.isEmpty ? .missing : .fromSubwords)
            var vector = [Float](repeating: .nan, count: expected.dim)
            let found = vector.withUnsafeMutableBufferPointer { model.lookUp(query.word, into: $0, allowSubwords: true) }
            #expect(found == outcome, "\(query.word)")
            if outcome != .missing {
                #expect(vector == query.vector.map { Float($0) }, "\(query.word): \(vector) vs \(query.vector)")
            }
        }
        #expect(model.vector(for: "theorems", allowSubwords: false) == nil)
    }

    @Test func streamsEveryDictionaryWordAsTheVecFileWould() throws {
        var count = 0
        try model.forEachVector { word, vector in
            let text = String(decoding: word, as: UTF8.self)
            #expect(Array(vector) == model.vector(for: text), "\(text)")
            count += 1
        }
        #expect(count == expected.words.count)
    }

    @Test func supervisedModelsKeepLabelsApartFromWords() throws {
        struct Supervised: Decodable {
            let words: [String]
            let labels: [String]
            let vectors: [String: [Double]]
        }
        let expected = try DataFixtures.json("fasttext/supervised.json", as: Supervised.self)
        let model = try FastTextModel(path: DataFixtures.path("fasttext/supervised.bin"))
        #expect(model.arguments.model == .supervised && model.arguments.wordNgrams == 2 && model.arguments.bucket == 500)
        #expect(model.words == expected.words)
        #expect(model.labels == expected.labels)
        for (word, vector) in expected.vectors {
            #expect(model.vector(for: word) == vector.map { Float($0) }, "\(word)")
        }
    }

    @Test func rejectsDamagedModelsWithTheOffset() throws {
        let valid = try DataFixtures.bytes("fasttext/tiny.bin")
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func load(_ bytes: [UInt8]) throws { _ = try FastTextModel(path: try DataFixtures.write(bytes, "bad.bin", in: directory)) }
        func patched(_ offset: Int, _ value: Int32) -> [UInt8] {
            var bytes = valid
            withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<(offset + 4), with: $0) }
            return bytes
        }
        expectFormatError("bad.bin", "byte 0", "magic number", "expected 793712314") { try load(patched(0, 1234)) }
        expectFormatError("byte 4", "version 13") { try load(patched(4, 13)) }
        expectFormatError("args.dim is -8") { try load(patched(8, -8)) }
        expectFormatError("args.model is 9") { try load(patched(8 + 28, 9)) }
        expectFormatError("dictionary declares 2000000000 entries") {
            var bytes = patched(64, 2_000_000_000)
            withUnsafeBytes(of: Int32(2_000_000_000).littleEndian) { bytes.replaceSubrange(68..<72, with: $0) }
            try load(bytes)
        }
        expectFormatError("byte 64", "dictionary declares \(expected.words.count) entries, more than the rest") { try load(Array(valid.prefix(100))) }
        expectFormatError("byte 76", "file ends inside dictionary ntokens") { try load(Array(valid.prefix(80))) }
        expectFormatError("input matrix of \(expected.words.count + 1000) × 8 floats runs past the end of the 30000-byte file") { try load(Array(valid.prefix(30_000))) }
        expectFormatError("output matrix", "does not fill the") { try load(Array(valid.dropLast(4))) }
        expectFormatError("output matrix", "does not fill the") { try load(valid + [0]) }
        // The quantization flag follows the dictionary; set it and the reader must refuse the model.
        let flag = quantizationFlagOffset(valid)
        var quantized = valid
        quantized[flag] = 1
        expectFormatError("byte \(flag)", "quantized model") { try load(quantized) }
    }

    /// Walks the dictionary to find the byte after it.
    func quantizationFlagOffset(_ bytes: [UInt8]) -> Int {
        var offset = 8 + 56 + 28
        for _ in 0..<expected.words.count {
            while bytes[offset] != 0 { offset += 1 }
            offset += 1 + 8 + 1
        }
        return offset
    }
}
