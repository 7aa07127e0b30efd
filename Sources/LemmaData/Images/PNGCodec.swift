import CLibPNG
import Foundation
import LemmaTensor

/// Reads and writes PNG files with libpng's simplified API: any colour type and bit depth in (palette, grey,
/// RGB, with or without alpha, 1–16 bits), 8-bit grey out, transparency composited onto white (formula
/// renderings often have a transparent background). Corrupt or hostile files are errors naming the file,
/// never a crash; images over `maxPixels` are refused before anything is allocated for them.
public enum PNGCodec {
    /// 2^28 pixels (a 16384 × 16384 page): far beyond any formula, small enough to allocate.
    public static let maxPixels = 1 << 28

    public static func read(_ url: URL) throws -> GrayImage {
        try decode(WholeFile.read(url, what: "a PNG image"), name: url.path)
    }

    /// Decodes PNG bytes; `name` labels errors (a path, or "request body"). Images over `maxPixels` are refused
    /// from their header (a server sets it lower than files on disk get).
    public static func decode(_ data: Data, name: String, maxPixels: Int = PNGCodec.maxPixels) throws -> GrayImage {
        guard data.count >= 8, data.prefix(8).elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw FileFormatError(name, "not a PNG image (the file does not start with the PNG signature)")
        }
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        let begun = data.withUnsafeBytes { bytes in
            png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count)
        }
        guard begun != 0 else { throw FileFormatError(name, "unreadable PNG: \(message(of: image))") }
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0, width * height <= maxPixels else {
            throw FileFormatError(name, "PNG of \(width)×\(height) pixels is empty or larger than \(maxPixels) pixels")
        }
        // 16-bit files: libpng takes their values as linear light and would brighten them on the way to 8-bit
        // sRGB; read them raw (grey with premultiplied alpha) and scale, as PIL and OpenCV do.
        let sixteenBit = image.format & png_uint_32(PNG_FORMAT_FLAG_LINEAR) != 0
        var pixels = [UInt8](repeating: 255, count: width * height)
        var finished: Int32
        if sixteenBit {
            image.format = png_uint_32(PNG_FORMAT_FLAG_LINEAR | PNG_FORMAT_FLAG_ALPHA)
            var wide = [UInt16](repeating: 0, count: 2 * width * height)
            finished = wide.withUnsafeMutableBytes { out in
                png_image_finish_read(&image, nil, out.baseAddress, png_int_32(2 * width), nil)
            }
            for i in 0..<(width * height) {
                let onWhite = Int(wide[2 * i]) + 65535 - Int(wide[2 * i + 1])  // y·a + white·(1 − a)
                pixels[i] = UInt8(min(255, (onWhite + 128) / 257))
            }
        } else {
            image.format = png_uint_32(PNG_FORMAT_GRAY)
            var white = png_color(red: 255, green: 255, blue: 255)
            finished = pixels.withUnsafeMutableBytes { out in
                png_image_finish_read(&image, &white, out.baseAddress, png_int_32(width), nil)
            }
        }
        guard finished != 0 else { throw FileFormatError(name, "corrupt PNG: \(message(of: image))") }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// PNG bytes of an 8-bit grey image.
    public static func encode(_ gray: GrayImage) throws -> Data {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(gray.width)
        image.height = png_uint_32(gray.height)
        image.format = png_uint_32(PNG_FORMAT_GRAY)
        defer { png_image_free(&image) }
        var size = 0
        // First call sizes the output, second writes it.
        let sized = gray.pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, png_int_32(gray.width), nil) }
        guard sized != 0, size > 0 else { throw FileFormatError("png", "cannot encode a \(gray.width)×\(gray.height) image: \(message(of: image))") }
        var out = Data(count: size)
        let written = out.withUnsafeMutableBytes { buffer in
            gray.pixels.withUnsafeBytes {
                png_image_write_to_memory(&image, buffer.baseAddress, &size, 0, $0.baseAddress, png_int_32(gray.width), nil)
            }
        }
        guard written != 0 else { throw FileFormatError("png", "cannot encode: \(message(of: image))") }
        return out.prefix(size)
    }

    /// Writes `gray` to `url` atomically.
    public static func write(_ gray: GrayImage, to url: URL) throws {
        let data = try encode(gray)
        try writeAtomically(to: url) { append in try data.withUnsafeBytes { try append($0) } }
    }

    private static func message(of image: png_image) -> String {
        var copy = image.message
        return withUnsafeBytes(of: &copy) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
