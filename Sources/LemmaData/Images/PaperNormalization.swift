/// Users' own images are not all black ink on pure white: screenshots of dark themes put light ink on a dark
/// background, and photographs or scans put it on grey paper with noise. im2markup's crop treats every pixel
/// below 255 as ink, which on such images keeps the whole frame. This brings them to the form training saw —
/// dark ink on white — while leaving images that already are (every rendered formula) exactly as they were.
extension GrayImage {
    /// The background is the most common value on the image's border (formulas are sparse, so their frame is
    /// mostly paper). Pure white: returned unchanged. Dark (below mid-grey): inverted first. Then a background
    /// that is not pure white is stretched to it, with values within `tolerance` of the background (paper
    /// texture, noise) counted as paper.
    public func onWhitePaper(tolerance: Int = 12) -> GrayImage {
        guard width > 0, height > 0 else { return self }
        var counts = [Int](repeating: 0, count: 256)
        for x in 0..<width {
            counts[Int(self[x, 0])] += 1
            counts[Int(self[x, height - 1])] += 1
        }
        for y in 0..<height {
            counts[Int(self[0, y])] += 1
            counts[Int(self[width - 1, y])] += 1
        }
        var background = counts.indices.max { counts[$0] < counts[$1] }!
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
