/// Σ x² over `count` floats, vectorized by hand (the compiler keeps a plain float sum in order, one lane):
/// eight lanes of Float partial sums, folded into a Double every 1,024 elements so long rows stay accurate.
func squaredSum(_ x: UnsafePointer<Float>, _ count: Int) -> Double {
    let raw = UnsafeRawPointer(x)
    var total = 0.0
    var i = 0
    while count - i >= 8 {
        let blockEnd = i + min((count - i) / 8 * 8, 1024)
        var lanes = SIMD8<Float>()
        while i < blockEnd {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            lanes += v * v
            i += 8
        }
        total += Double(lanes.sum())
    }
    while i < count {
        total += Double(x[i]) * Double(x[i])
        i += 1
    }
    return total
}
