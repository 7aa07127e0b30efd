import Foundation
import LemmaData
import LemmaTensor
import Testing

/// A prepared im2latex split read back, and every kind of damage to its files reported by file name when it
/// is opened, never a crash (or a wrong image) at the first read.
struct FormulaImageDatasetTests {
    let directory: URL
    let split: URL

    init() throws {
        directory = try DataFixtures.scratchDirectory()
        split = directory.appendingPathComponent("train")
        let writer = try FormulaImageDatasetWriter(destination: split)
        for (index, (width, height)) in [(5, 3), (2, 4), (7, 1)].enumerated() {
            let pixels = (0..<(width * height)).map { UInt8(($0 * 37 + index) % 256) }
            try writer.append(image: GrayImage(width: width, height: height, pixels: pixels),
                              tokenIDs: (0...index).map { Int32($0 + 3) }, name: "\(index).png", sourceLine: index + 1)
        }
        try writer.finish(dropped: [:], preprocessing: FormulaImagePreprocessing(), source: "test")
    }

    /// A copy of the split with `file` changed by `edit`, and the error opening it gives (or "opened").
    func openDamaged(_ file: String, vocabularySize: Int = 10, _ edit: (inout Data) -> Void) throws -> String {
        let copy = directory.appendingPathComponent("damaged-\(UUID())")
        try FileManager.default.copyItem(at: split, to: copy)
        var data = try Data(contentsOf: copy.appendingPathComponent(file))
        edit(&data)
        try data.write(to: copy.appendingPathComponent(file))
        do { _ = try FormulaImageDataset(url: copy, vocabularySize: vocabularySize) } catch { return "\(error)" }
        return "opened"
    }

    func setInt64(_ data: inout Data, at index: Int, _ value: Int64) {
        withUnsafeBytes(of: value) { data.replaceSubrange(index * 8..<(index * 8 + 8), with: $0) }
    }

    @Test func aWrittenSplitReadsBack() throws {
        let dataset = try FormulaImageDataset(url: split, vocabularySize: 10)
        #expect(dataset.count == 3)
        let size = dataset.size(1)
        #expect(size.width == 2 && size.height == 4)
        let expected: [UInt8] = (0..<7).map { UInt8(($0 * 37 + 2) % 256) }
        #expect(dataset.image(2).pixels == expected)
        #expect(dataset.tokenIDs(2) == [3, 4, 5])
        #expect(dataset.sourceLine(0) == 1)
        #expect(dataset.names == ["0.png", "1.png", "2.png"])
    }

    @Test func damagedIndexesAreNamedWhenTheSplitIsOpened() throws {
        let shortPixels = try openDamaged("pixels.u8") { $0.removeLast() }
        #expect(shortPixels.contains("pixels.u8") && shortPixels.contains("29 bytes, the image table needs 30"), "\(shortPixels)")
        let hugeWidth = try openDamaged("images.i64") { setInt64(&$0, at: 1, 1_000_000_000) }
        #expect(hugeWidth.contains("images.i64") && hugeWidth.contains("example 1: image size 1000000000×3"), "\(hugeWidth)")
        let negativeHeight = try openDamaged("images.i64") { setInt64(&$0, at: 6, -4) }
        #expect(negativeHeight.contains("example 2: image size 2×-4"), "\(negativeHeight)")
        let shiftedOffset = try openDamaged("images.i64") { setInt64(&$0, at: 8, 3) }
        #expect(shiftedOffset.contains("example 3: pixel offset 3, expected 23"), "\(shiftedOffset)")
        let backwardTokens = try openDamaged("offsets.i64") { setInt64(&$0, at: 2, 0) }
        #expect(backwardTokens.contains("offsets.i64") && backwardTokens.contains("example 2: token offsets 1…0 out of order"), "\(backwardTokens)")
        let outsideVocabulary = try openDamaged("tokens.i32", vocabularySize: 5) { _ in }
        #expect(outsideVocabulary.contains("tokens.i32") && outsideVocabulary.contains("token 6: id 5 is outside the vocabulary's 5 tokens"),
                "\(outsideVocabulary)")
        let negativeToken = try openDamaged("tokens.i32") { $0[0] = 0xFF; $0[1] = 0xFF; $0[2] = 0xFF; $0[3] = 0xFF }
        #expect(negativeToken.contains("token 1: id -1"), "\(negativeToken)")
    }

    /// Writing a dataset replaces an earlier dataset, never a user's own files at the same path.
    @Test func onlyAnEarlierDatasetIsReplaced() throws {
        let folder = directory.appendingPathComponent("notes")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "mine".write(to: folder.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("file")
        try "mine".write(to: file, atomically: true, encoding: .utf8)
        for destination in [folder, file] {
            #expect(throws: FileFormatError(destination.path, "exists and is not a dataset Lemma wrote; choose another output (only an earlier dataset is replaced)")) {
                _ = try FormulaImageDatasetWriter(destination: destination)
            }
        }
        #expect(try String(contentsOf: folder.appendingPathComponent("a.txt"), encoding: .utf8) == "mine")
        let again = try FormulaImageDatasetWriter(destination: split)
        try again.append(image: GrayImage(width: 1, height: 1, pixels: [0]), tokenIDs: [3], name: "a.png", sourceLine: 1)
        try again.finish(dropped: [:], preprocessing: FormulaImagePreprocessing(), source: "test")
        #expect(try FormulaImageDataset(url: split).count == 1, "the earlier dataset is replaced")
    }

    @Test func stagingLeftByAKilledWriterIsRemovedByTheNext() throws {
        let destination = directory.appendingPathComponent("valid")
        // A process id above Linux's largest (2^22) belongs to no process.
        let abandoned = directory.appendingPathComponent(".valid.partial-2147000000")
        let unrelated = directory.appendingPathComponent(".other.partial-2147000000")
        for url in [abandoned, unrelated] { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        let writer = try FormulaImageDatasetWriter(destination: destination)
        try writer.append(image: GrayImage(width: 1, height: 1, pixels: [0]), tokenIDs: [3], name: "a.png", sourceLine: 1)
        try writer.finish(dropped: [:], preprocessing: FormulaImagePreprocessing(), source: "test")
        #expect(!FileManager.default.fileExists(atPath: abandoned.path), "a dead writer's staging directory is removed")
        #expect(FileManager.default.fileExists(atPath: unrelated.path), "another destination's is left alone")
        #expect(try FormulaImageDataset(url: destination).count == 1)
    }
}
