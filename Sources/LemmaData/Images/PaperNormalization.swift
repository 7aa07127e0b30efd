/// Users' own images are not all black ink on pure white: screenshots of dark themes put light ink on a dark
/// background, and photographs or scans put it on grey paper with noise. im2markup's crop treats every pixel
/// below 255 as ink, which on such images keeps the whole frame. This brings them to the form training saw —
/// dark ink on white — while leaving images that already are (every rendered formula) exactly as they were.
extension GrayImage {
    /// An image is on white paper when pure white is the most common value of the whole image or of its border
    /// (each alone misleads: dvipng crops tight and a table's frame runs along the edge, so a rendered
    /// formula's border can be mostly ink; a large filled shape can outweigh the paper); it is returned
    /// unchanged. Otherwise the background is the value whose neighbourhood (± `tolerance`) holds the most
    /// pixels, so that noisy paper spread over several values is found as one. Dark (below mid-grey): inverted
    /// first. Then a background that is not pure white is stretched to it, with values within `tolerance` of
    /// the background (paper texture, noise) counted as paper.
    public func onWhitePaper(tolerance: Int = 12) -> GrayImage {
        guard width > 0, height > 0 else { return self }
        func mostCommon(_ counts: [Int]) -> Int { counts.indices.max { counts[$0] < counts[$1] }! }
        var counts = [Int](repeating: 0, count: 256), borderCounts = counts
        for value in pixels { counts[Int(value)] += 1 }
        for x in 0..<width {
            borderCounts[Int(self[x, 0])] += 1
            borderCounts[Int(self[x, height - 1])] += 1
        }
        for y in 0..<height {
            borderCounts[Int(self[0, y])] += 1
            borderCounts[Int(self[width - 1, y])] += 1
        }
        guard mostCommon(counts) != 255, mostCommon(borderCounts) != 255 else { return self }
        let neighbourhood = counts.indices.map { value in
            counts[max(0, value - tolerance)...min(255, value + tolerance)].reduce(0, +)
        }
        var background = mostCommon(neighbourhood)
        guard background != 255 else { return self }
        var image = self
        if background < 128 {
            image.pixels = pixels.map { 255 - $0 }
            background = 255 - background
            if background == 255 { return image }
        }
        let paper = max(background - tolerance, 1)
        image.pixels = image.pixels.map { value in
            Int(value) >= paper ? 255 : UInt8(min(254, Int(value) * 255 / paper))
        }
        return image
    }
}
