import Foundation
import LemmaData
import LemmaTensor
import Testing

/// PNG decoding through libpng (every colour type and depth to 8-bit grey), encoding, and im2markup's
/// crop / pad / bucket / downsample steps.
struct ImageTests {
    static let expected: [(String, [UInt8])] = {
        let text = (try? String(contentsOfFile: DataFixtures.path("images/expected.txt"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            return (String(fields[0]), fields.dropFirst().map { UInt8($0)! })
        }
    }()

    @Test func everyColourTypeAndDepthDecodesToTheSameGreyPixels() throws {
        #expect(Self.expected.count == 7)
        for (name, pixels) in Self.expected {
            let image = try PNGCodec.read(URL(fileURLWithPath: DataFixtures.path("images/\(name)")))
            #expect(image.width == 12 && image.height == 6, "\(name)")
            #expect(image.pixels == pixels, "\(name): \(image.pixels[58])")
        }
    }

    @Test func encodeThenDecodeGivesTheImageBack() throws {
        var image = GrayImage(width: 7, height: 3)
        for i in 0..<image.pixels.count { image.pixels[i] = UInt8((i * 37) % 256) }
        let url = try DataFixtures.scratchDirectory().appendingPathComponent("round.png")
        try PNGCodec.write(image, to: url)
        #expect(try PNGCodec.read(url) == image)
    }

    @Test func badFilesAreOneLineErrorsNamingTheFile() throws {
        let directory = try DataFixtures.scratchDirectory()
        let text = directory.appendingPathComponent("formula.png")
        try Data("\\frac{a}{b}".utf8).write(to: text)
        #expect(throws: FileFormatError.self) { try PNGCodec.read(text) }
        do { _ = try PNGCodec.read(text) } catch {
            #expect("\(error)".contains("formula.png") && "\(error)".contains("not a PNG"))
        }
        let valid = try DataFixtures.bytes("images/rgb8.png")
        let truncated = directory.appendingPathComponent("truncated.png")
        try Data(valid.prefix(valid.count - 20)).write(to: truncated)
        do {
            _ = try PNGCodec.read(truncated)
            Issue.record("a truncated PNG decoded")
        } catch let error as FileFormatError {
            #expect("\(error)".contains("truncated.png"))
            #expect(!"\(error)".contains("\n"))
        }
        #expect(throws: FileFormatError.self) { try PNGCodec.read(directory.appendingPathComponent("missing.png")) }
    }

    @Test func damagedPNGsAreRejectedNeverACrash() throws {
        for name in ["palette4.png", "rgba8.png", "gray16.png"] {
            let rejected = try fuzz(try DataFixtures.bytes("images/\(name)"), name: name, iterations: 1500, seed: 11, hotBytes: 60) { path in
                _ = try PNGCodec.read(URL(fileURLWithPath: path))
            }
            #expect(rejected > 300, "\(name)")
        }
    }

    @Test func preprocessingCropsPadsBucketsAndDownsamples() {
        var page = GrayImage(width: 300, height: 200)
        for y in 50..<70 { for x in 100..<160 { page[x, y] = 0 } }
        page[200, 90] = 254  // the faintest ink still counts
        var settings = FormulaImagePreprocessing()
        let box = settings.inkBounds(page)!
        #expect(box.x == 100..<201 && box.y == 50..<91)
        // Ink 101×41, padded 117×57: the first bucket, 240×100, then halved.
        let processed = settings.process(page)!
        #expect(processed.width == 120 && processed.height == 50)
        // Padding is white; the ink's top-left 2×2 block (paper above-left of it) lands at (4, 4) at half size.
        #expect(processed[3, 3] == 255 && processed[4, 4] == 0)
        settings.downsampleRatio = 1
        let full = settings.process(page)!
        #expect(full.width == 240 && full.height == 100 && full[8, 8] == 0 && full[7, 8] == 255 && full[108, 48] == 254)
        #expect(settings.process(GrayImage(width: 30, height: 30)) == nil, "a blank page has no ink")
        var huge = GrayImage(width: 2010, height: 30)
        for y in 5..<25 { for x in 5..<2005 { huge[x, y] = 0 } }
        #expect(settings.process(huge)!.width == 2016, "wider than every bucket: kept at its padded size")
    }

    /// im2markup ships its images as full pages (the formula near the top left of a mostly blank sheet): cropping
    /// to the ink makes one the same model input as the tight rendering Lemma writes itself.
    @Test func aFullPageCropsToTheSameInputAsATightRendering() throws {
        let tight = try PNGCodec.read(URL(fileURLWithPath: DataFixtures.path("images/rgb8.png")))
        var page = GrayImage(width: 1224, height: 1584)
        for y in 0..<tight.height { for x in 0..<tight.width { page[410 + x, 95 + y] = tight[x, y] } }
        let settings = FormulaImagePreprocessing()
        let expected = try #require(settings.process(tight))
        #expect(settings.process(page) == expected)
    }

    /// A user's screenshot of a dark theme (light ink on black) and a photograph of grey, noisy paper crop and
    /// bucket as the same formula in black on white does; an image on pure white is left exactly as it is.
    @Test func darkAndGreyBackgroundsBecomeInkOnWhitePaper() throws {
        var clean = GrayImage(width: 160, height: 70)
        for y in 20..<40 { for x in 30..<90 where (x / 6) % 2 == 0 { clean[x, y] = 0 } }
        for x in 30..<90 { clean[x, 40] = 128 }  // an anti-aliased edge
        #expect(clean.onWhitePaper() == clean)
        let settings = FormulaImagePreprocessing()
        let expected = try #require(settings.process(clean))

        let dark = GrayImage(width: clean.width, height: clean.height, pixels: clean.pixels.map { 255 - $0 })
        #expect(settings.process(dark) == expected)

        // Paper at 225–234 (a repeating noise pattern), ink at 20.
        var grey = clean
        for i in grey.pixels.indices { grey.pixels[i] = grey.pixels[i] == 255 ? UInt8(225 + (i * 7919) % 10) : grey.pixels[i] }
        for y in 20..<40 { for x in 30..<90 where (x / 6) % 2 == 0 { grey[x, y] = 20 } }
        let processed = try #require(settings.process(grey))
        #expect(processed.width == expected.width && processed.height == expected.height)
        let paper = grey.onWhitePaper()
        #expect(settings.inkBounds(paper)! == settings.inkBounds(clean)!)
        #expect(paper[0, 0] == 255 && paper[36, 20] < 30 && paper[30, 40] < 255)
        // A dark grey screen (30) with noise behaves as the dark one.
        let screen = GrayImage(width: grey.width, height: grey.height, pixels: grey.pixels.map { 255 - $0 })
        #expect(settings.inkBounds(screen.onWhitePaper())! == settings.inkBounds(clean)!)

        // Rendered formulas whose border is mostly ink stay as they are: a table framed by rules along every edge
        // (im2latex-100k's 10739.png) and a tight crop of a row of bars (03843.png) — both once read as dark screens.
        var table = GrayImage(width: 120, height: 60)
        for x in 0..<120 { table[x, 0] = 0; table[x, 59] = 0; table[x, 30] = 0 }
        for y in 0..<60 { table[0, y] = 0; table[119, y] = 0; table[60, y] = 0 }
        for x in 10..<20 { table[x, 15] = 0 }
        #expect(table.onWhitePaper() == table)
        var bars = GrayImage(width: 200, height: 8)
        for x in 0..<200 where x % 12 < 10 { for y in [0, 1, 6, 7] { bars[x, y] = 0 }; bars[x, 2] = 102 }
        #expect(bars.onWhitePaper() == bars)
    }

    @Test func downsamplingAveragesBlocksIncludingRaggedEdges() {
        let image = GrayImage(width: 3, height: 3, pixels: [0, 100, 50, 200, 100, 50, 10, 20, 30])
        let half = FormulaImagePreprocessing.downsampled(image, by: 2)
        #expect(half == GrayImage(width: 2, height: 2, pixels: [100, 50, 15, 30]))
    }
}
