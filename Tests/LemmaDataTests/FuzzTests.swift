import Foundation
import LemmaData
import LemmaTensor
import Testing

/// Thousands of damaged versions of each valid fixture, from fixed seeds: every reader must read them or
/// throw `FileFormatError` — never crash, hang, or throw anything else.
struct FuzzTests {
    /// Reads everything a reader yields, to reach errors late in a file.
    func drain(_ reader: some ExampleReader) throws {
        var reader = reader
        while try reader.next() != nil {}
    }

    @Test func textVectorFiles() throws {
        for name in ["glove.txt", "word2vec.txt", "crlf.vec"] {
            let rejected = try fuzz(try DataFixtures.bytes("vectors/\(name)"), name: name, iterations: 1500, seed: 1) { path in
                let file = try TextVectorFile(path: path)
                _ = try file.readAll()
                _ = try EmbeddingMatcher(lowercaseFallback: true).match(["the", "Lemma"], from: file)
            }
            #expect(rejected > 300, "\(name)")
        }
    }

    @Test func word2vecBinary() throws {
        let rejected = try fuzz(try DataFixtures.bytes("vectors/word2vec.bin"), name: "v.bin", iterations: 3000, seed: 2, hotBytes: 32) { path in
            _ = try Word2VecBinaryFile(path: path).readAll()
        }
        #expect(rejected > 1000)
    }

    @Test func fastTextModels() throws {
        let rejected = try fuzz(try DataFixtures.bytes("fasttext/tiny.bin"), name: "m.bin", iterations: 3000, seed: 3, hotBytes: 600) { path in
            let model = try FastTextModel(path: path)
            for word in ["theorem", "unknownword", "日本", ""] { _ = model.vector(for: word) }
            try model.forEachVector { _, _ in }
        }
        #expect(rejected > 1000)
    }

    @Test func npyMatrices() throws {
        for name in ["matrix_f4.npy", "matrix_f8_fortran.npy"] {
            let rejected = try fuzz(try DataFixtures.bytes("vectors/\(name)"), name: name, iterations: 1500, seed: 4, hotBytes: 128) { path in
                _ = try NpyMatrix(path: path).tensor()
            }
            #expect(rejected > 500, "\(name)")
        }
    }

    @Test func parquetWordLists() throws {
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let matrix = try DataFixtures.write(try DataFixtures.bytes("kumo/data/tiny_emb.npy"), "m.npy", in: directory)
        for (name, seed) in [("kumo/data/tiny_index.parquet", UInt64(5)), ("parquet/two_columns.parquet", 6), ("parquet/plain_v2.parquet", 7)] {
            let bytes = try DataFixtures.bytes(name)
            let rejected = try fuzz(bytes, name: "w.parquet", iterations: 1500, seed: seed, hotBytes: 4096) { path in
                let column = name.contains("two_columns") ? "token" : nil
                _ = try NpyWordVectors(matrixPath: matrix, wordsPath: path, column: column)
            }
            #expect(rejected > 500, "\(name)")
        }
    }

    @Test func csvAndTsv() throws {
        try fuzz(try DataFixtures.bytes("datasets/examples.csv"), name: "d.csv", iterations: 3000, seed: 8) { path in
            try drain(try CSVExampleReader(path: path, textColumn: "text", labelColumn: "label"))
        }
        try fuzz(try DataFixtures.bytes("datasets/examples.tsv"), name: "d.tsv", iterations: 1500, seed: 9) { path in
            try drain(try CSVExampleReader.tsv(path: path, textColumn: "text", labelColumn: "label", quoting: true))
        }
    }

    @Test func jsonLines() throws {
        try fuzz(try DataFixtures.bytes("datasets/examples.jsonl"), name: "d.jsonl", iterations: 3000, seed: 10) { path in
            try drain(try JSONLinesExampleReader(path: path))
        }
    }

    @Test func textLinesAndDirectories() throws {
        try fuzz(try DataFixtures.bytes("datasets/lines.txt"), name: "d.txt", iterations: 1000, seed: 11) { path in
            try drain(try TextLinesExampleReader(path: path))
        }
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let label = directory.appendingPathComponent("label")
        try FileManager.default.createDirectory(at: label, withIntermediateDirectories: true)
        try fuzz(try DataFixtures.bytes("datasets/directory/proof/0003.txt"), name: "x.txt", iterations: 500, seed: 12) { path in
            try FileManager.default.removeItem(at: label)
            try FileManager.default.createDirectory(at: label, withIntermediateDirectories: true)
            try DataFixtures.write([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), "1.txt", in: label)
            try drain(try DirectoryExampleReader(directory: directory.path))
        }
    }

    @Test func tarArchives() throws {
        for (name, seed) in [("paragraphs_gnu.tar", UInt64(13)), ("paragraphs_pax.tar", 14), ("paragraphs_ustar.tar", 15)] {
            let rejected = try fuzz(try DataFixtures.bytes("datasets/\(name)"), name: name, iterations: 1500, seed: seed, hotBytes: 4096) { path in
                try drain(try TarExampleReader(path: path))
                // The label map must fail cleanly on the damaged labels too.
                var map = LabelMap.amsEightClasses
                map.unknownLabels = .skip
                try drain(try TarExampleReader(path: path).mappingLabels(map))
            }
            #expect(rejected > 300, "\(name)")
        }
    }
}
