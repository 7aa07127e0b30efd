/// im2markup's image preprocessing (scripts/preprocessing/preprocess_images.py): crop to the ink, pad, place
/// on the smallest bucket canvas that holds it (so a batch shares one size), and downsample. Rendered pages
/// and users' own images go through the same steps, whatever their size or margins.
public struct FormulaImagePreprocessing: Equatable, Sendable, Codable {
    /// Pixels of the given value or lighter are paper; anything darker is ink.
    public var paperLevel: UInt8 = 255
    /// White added around the ink before bucketing: left, top, right, bottom.
    public var padding: [Int] = [8, 8, 8, 8]
    /// Canvas sizes (width, height) before downsampling, smallest first; an image is placed on the first that
    /// holds it. None holds it: it keeps its padded size (and training filters it out).
    public var buckets: [[Int]] = FormulaImagePreprocessing.im2markupBuckets
    /// Integer factor the canvas is shrunk by, averaging each ratio×ratio block (1: none).
    public var downsampleRatio: Int = 2

    /// im2markup's 21 default buckets (width, height).
    public static let im2markupBuckets: [[Int]] = [
        [240, 100], [320, 80], [400, 80], [400, 100], [480, 80], [480, 100], [560, 80], [560, 100], [640, 80],
        [640, 100], [720, 80], [720, 100], [720, 120], [720, 200], [800, 100], [800, 320], [1000, 200],
        [1000, 400], [1200, 200], [1600, 200], [1600, 1600],
    ]

    public init() {}

    /// The tight box around every ink pixel, nil for a blank image.
    public func inkBounds(_ image: GrayImage) -> (x: Range<Int>, y: Range<Int>)? {
        var minX = image.width, maxX = -1, minY = image.height, maxY = -1
        for y in 0..<image.height {
            let row = y * image.width
            var first = -1, last = -1
            for x in 0..<image.width where image.pixels[row + x] < paperLevel {
                if first < 0 { first = x }
                last = x
            }
            guard first >= 0 else { continue }
            minX = min(minX, first)
            maxX = max(maxX, last)
            if minY > y { minY = y }
            maxY = y
        }
        guard maxX >= 0 else { return nil }
        return (minX..<(maxX + 1), minY..<(maxY + 1))
    }

    /// The processed image, or nil when there is no ink at all. Images on dark or grey backgrounds are first
    /// brought to dark ink on white (`GrayImage.onWhitePaper`); white ones are cropped exactly as im2markup does.
    public func process(_ image: GrayImage) -> GrayImage? {
        let image = image.onWhitePaper()
        guard let box = inkBounds(image) else { return nil }
        let ink = image.cropped(x: box.x, y: box.y)
        let width = ink.width + padding[0] + padding[2], height = ink.height + padding[1] + padding[3]
        let bucket = buckets.first { width <= $0[0] && height <= $0[1] }
        let canvas = ink.placed(onCanvasWidth: bucket?[0] ?? width, height: bucket?[1] ?? height, left: padding[0],
                                top: padding[1])
        return downsampleRatio > 1 ? Self.downsampled(canvas, by: downsampleRatio) : canvas
    }

    /// The largest processed size a bucket gives (width, height): bigger images are over-large.
    public var largestBucket: (width: Int, height: Int) {
        let ratio = max(downsampleRatio, 1)
        return (buckets.map { $0[0] }.max().map { $0 / ratio } ?? 0, buckets.map { $0[1] }.max().map { $0 / ratio } ?? 0)
    }

    /// Each ratio×ratio block averaged (rounded); a ragged last row or column averages what it has.
    public static func downsampled(_ image: GrayImage, by ratio: Int) -> GrayImage {
        let width = (image.width + ratio - 1) / ratio, height = (image.height + ratio - 1) / ratio
        var out = [UInt8](repeating: 255, count: width * height)
        for oy in 0..<height {
            let y0 = oy * ratio, y1 = min(y0 + ratio, image.height)
            for ox in 0..<width {
                let x0 = ox * ratio, x1 = min(x0 + ratio, image.width)
                var sum = 0
                for y in y0..<y1 { for x in x0..<x1 { sum += Int(image.pixels[y * image.width + x]) } }
                let n = (y1 - y0) * (x1 - x0)
                out[oy * width + ox] = UInt8((sum + n / 2) / n)
            }
        }
        return GrayImage(width: width, height: height, pixels: out)
    }

    /// Checks the settings; the message names the config field.
    public func validate() throws -> Void {
        func fail(_ message: String) -> Error { PreprocessingSettingsError(message: message) }
        guard padding.count == 4, padding.allSatisfy({ $0 >= 0 }) else { throw fail("the image padding (data.image_padding) must be >= 0 on each of the four sides") }
        guard !buckets.isEmpty, buckets.allSatisfy({ $0.count == 2 && $0[0] > 0 && $0[1] > 0 }) else {
            throw fail("the bucket sizes must be [width, height] pairs of positive sizes")
        }
        guard downsampleRatio >= 1 else { throw fail("data.downsample_ratio must be >= 1") }
    }
}

public struct PreprocessingSettingsError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
