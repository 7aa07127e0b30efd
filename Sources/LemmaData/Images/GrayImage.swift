/// An 8-bit greyscale image, row-major, 0 = black ink, 255 = white paper: what formula images become, whatever
/// their format was on disk.
public struct GrayImage: Equatable, Sendable {
    public let width: Int, height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height,
                     "GrayImage: \(pixels.count) pixels for \(width)×\(height)")
        (self.width, self.height, self.pixels) = (width, height, pixels)
    }

    /// A blank (white) image.
    public init(width: Int, height: Int, value: UInt8 = 255) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: value, count: width * height))
    }

    public subscript(x: Int, y: Int) -> UInt8 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// The pixels of rows `rows` and columns `columns`.
    public func cropped(x columns: Range<Int>, y rows: Range<Int>) -> GrayImage {
        precondition(columns.lowerBound >= 0 && columns.upperBound <= width && rows.lowerBound >= 0 && rows.upperBound <= height)
        var out: [UInt8] = []
        out.reserveCapacity(columns.count * rows.count)
        for y in rows { out += pixels[(y * width + columns.lowerBound)..<(y * width + columns.upperBound)] }
        return GrayImage(width: columns.count, height: rows.count, pixels: out)
    }

    /// This image placed at (`left`, `top`) on a `width`×`height` canvas of `background`.
    public func placed(onCanvasWidth canvasWidth: Int, height canvasHeight: Int, left: Int, top: Int,
                       background: UInt8 = 255) -> GrayImage {
        precondition(left >= 0 && top >= 0 && left + width <= canvasWidth && top + height <= canvasHeight,
                     "GrayImage: \(width)×\(height) at (\(left), \(top)) does not fit \(canvasWidth)×\(canvasHeight)")
        var canvas = GrayImage(width: canvasWidth, height: canvasHeight, value: background)
        for y in 0..<height {
            let from = y * width, to = (top + y) * canvasWidth + left
            canvas.pixels.replaceSubrange(to..<(to + width), with: pixels[from..<(from + width)])
        }
        return canvas
    }
}
