import Foundation
import LemmaTensor

/// A fastText model file (`.bin`), memory-mapped: the header (magic 793712314, version 12 or 11), the
/// arguments, the dictionary and the input matrix. Word vectors are computed as fastText computes them —
/// the mean of the word's own row (when it is in the dictionary) and the rows of its character n-grams —
/// so words never seen in training get vectors too. Quantized models (`.ftz`) are refused.
public final class FastTextModel: WordVectorLookup {
    public static let magic: Int32 = 793_712_314

    public let path: String
    public let version: Int
    public let arguments: FastTextArguments
    /// Rows of the input matrix: `wordCount + bucket`.
    public let inputRows: Int

    private let file: MappedFile
    private let dictionary: FastTextDictionary
    private let matrixOffset: Int
    private let subwords: FastTextSubwords

    public var dimension: Int { arguments.dim }
    public var makesVectorsForUnknownWords: Bool { subwords.maxn > 0 && subwords.minn <= subwords.maxn }

    public init(path: String) throws {
        self.path = path
        file = try MappedFile(URL(fileURLWithPath: path))
        let bytes = UnsafeRawBufferPointer(file.buffer(of: UInt8.self))
        var cursor = BinaryCursor(bytes, path: path)

        let magic = try cursor.load(Int32.self, "the magic number")
        guard magic == Self.magic else {
            throw cursor.error("magic number is \(magic), expected \(Self.magic) (a fastText .bin model)", at: 0)
        }
        version = try cursor.int32("the version")
        guard version == 11 || version == 12 else {
            throw cursor.error("fastText format version \(version), expected 11 or 12", at: 4)
        }
        arguments = try FastTextArguments(&cursor, version: version)

        let dictionaryStart = cursor.offset
        dictionary = try FastTextDictionary(&cursor)
        let quantized = try cursor.uint8("the quantization flag")
        guard quantized <= 1 else { throw cursor.error("quantization flag is \(quantized), expected 0 or 1", at: cursor.offset - 1) }
        guard quantized == 0 else {
            throw cursor.error("quantized model (.ftz): its product-quantized input matrix is not supported; use the full .bin", at: cursor.offset - 1)
        }
        guard !dictionary.isPruned else {
            throw cursor.error("dictionary is pruned but the input matrix is not quantized; fastText refuses such files too", at: dictionaryStart + 20)
        }

        // Input matrix: int64 rows, int64 columns, row-major float32.
        let matrixStart = cursor.offset
        let rows = try cursor.int64("input matrix rows")
        let columns = try cursor.int64("input matrix columns")
        guard columns == Int64(arguments.dim) else {
            throw cursor.error("input matrix has \(columns) columns, expected args.dim = \(arguments.dim)", at: matrixStart + 8)
        }
        let expectedRows = Int64(dictionary.wordCount) + Int64(arguments.bucket)
        guard rows == expectedRows else {
            throw cursor.error("input matrix has \(rows) rows, expected nwords + bucket = \(expectedRows)", at: matrixStart)
        }
        let matrixBytes = rows.multipliedReportingOverflow(by: columns * 4)
        guard !matrixBytes.overflow, matrixBytes.partialValue <= Int64(cursor.remaining) else {
            throw cursor.error("input matrix of \(rows) × \(columns) floats runs past the end of the \(bytes.count)-byte file", at: matrixStart)
        }
        matrixOffset = cursor.offset
        cursor.offset += Int(matrixBytes.partialValue)

        // The output matrix is not needed for word vectors, but a file cut short there is still truncated.
        _ = try cursor.uint8("the output quantization flag")
        let outputStart = cursor.offset
        let outputRows = try cursor.int64("output matrix rows")
        let outputColumns = try cursor.int64("output matrix columns")
        let outputBytes = outputRows.multipliedReportingOverflow(by: outputColumns.multipliedReportingOverflow(by: 4).partialValue)
        guard outputRows >= 0, outputColumns == Int64(arguments.dim), !outputBytes.overflow,
              outputBytes.partialValue == Int64(cursor.remaining) else {
            throw cursor.error("output matrix of \(outputRows) × \(outputColumns) floats does not fill the \(cursor.remaining) bytes left in the file", at: outputStart)
        }

        inputRows = Int(rows)
        subwords = FastTextSubwords(minn: arguments.minn, maxn: arguments.maxn, bucket: arguments.bucket, nwords: dictionary.wordCount)
    }

    /// Dictionary entries that are words (not labels).
    public var wordCount: Int { dictionary.wordCount }
    public var labelCount: Int { dictionary.labelCount }
    /// Tokens seen in training.
    public var tokenCount: Int64 { dictionary.tokenCount }
    /// The words of the dictionary, most frequent first.
    public var words: [String] { (0..<wordCount).map(dictionary.word(at:)) }
    /// The labels of a supervised model.
    public var labels: [String] { (wordCount..<(wordCount + labelCount)).map(dictionary.word(at:)) }
    /// How often each word occurred in training.
    public var wordFrequencies: [Int64] { Array(dictionary.counts[..<wordCount]) }

    /// The dictionary index of `word` (a word or a label), matched byte for byte.
    public func index(of word: String) -> Int? {
        var word = word
        return word.withUTF8 { dictionary.entry(of: UnsafeRawBufferPointer($0)) }
    }

    /// The input-matrix rows averaged into the vector of `word`, in fastText's order (its `get_subwords` ids).
    public func subwordRows(of word: String) -> [Int] {
        var word = word
        return word.withUTF8 { self.rows(of: UnsafeRawBufferPointer($0)) }
    }

    /// The character n-grams of `word`, in the order of `subwordRows` (after the word's own row).
    public func subwordStrings(of word: String) -> [String] { word == "</s>" ? [] : subwords.substrings(of: word) }

    private func rows(of word: UnsafeRawBufferPointer) -> [Int] {
        var rows: [Int] = []
        if let index = dictionary.entry(of: word) {
            // A label's entry can lie past the input matrix, where fastText would read out of bounds:
            // such a label gets no vector.
            guard index < inputRows else { return rows }
            rows.append(index)
        }
        let isEndOfSentence = word.elementsEqual("</s>".utf8)
        if !isEndOfSentence { subwords.appendRows(of: word, to: &rows) }
        return rows
    }

    /// fastText's `getWordVector`: the mean of the rows; zeros when there are none.
    public func lookUp(_ word: String, into destination: UnsafeMutableBufferPointer<Float>, allowSubwords: Bool) -> LookupOutcome {
        var word = word
        let found = word.withUTF8 { self.rows(of: UnsafeRawBufferPointer($0)) }
        let known = word.withUTF8 { dictionary.entry(of: UnsafeRawBufferPointer($0)) } != nil
        guard known || (allowSubwords && !found.isEmpty) else { return .missing }
        average(found, into: destination)
        return known ? .inVocabulary : .fromSubwords
    }

    /// Sums rows in order in float32, then scales by `1 / count`, exactly as fastText's `Vector` does.
    private func average(_ rows: [Int], into destination: UnsafeMutableBufferPointer<Float>) {
        let d = dimension
        for j in 0..<d { destination[j] = 0 }
        let bytes = UnsafeRawBufferPointer(file.buffer(of: UInt8.self))
        for row in rows {
            let base = matrixOffset + row * d * 4
            for j in 0..<d {
                destination[j] += Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: base + 4 * j, as: UInt32.self)))
            }
        }
        guard !rows.isEmpty else { return }
        let scale = Float(1.0 / Double(rows.count))
        for j in 0..<d { destination[j] *= scale }
    }

    /// The vector of every dictionary word, in dictionary order, as fastText's `.vec` output lists them.
    public func forEachVector(_ body: (UnsafeRawBufferPointer, UnsafeBufferPointer<Float>) throws -> Void) throws {
        let vector = UnsafeMutableBufferPointer<Float>.allocate(capacity: dimension)
        defer { vector.deallocate() }
        for i in 0..<wordCount {
            try dictionary.withBytes(of: i) { word in
                average(rows(of: word), into: vector)
                try body(word, UnsafeBufferPointer(vector))
            }
        }
    }
}
