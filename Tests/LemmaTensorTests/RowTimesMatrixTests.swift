import LemmaTensor
import Testing

/// A single row times a matrix runs in Lemma's own streaming kernel (gemv.c), not oneDNN: checked against sums
/// in Double, with the matrix stored both ways, with a bias accumulated (beta 1), small and above the size where
/// the threads split the matrix — including splits of one or two rows, where some threads get no share.
struct RowTimesMatrixTests {
    @Test(arguments: [(3, 4), (768, 3072), (3072, 768), (300, 4999), (1, 70000), (2, 40000)])
    func oneRowEqualsSumsInDouble(_ k: Int, _ n: Int) {
        let x = Tensor.uniform([1, k], low: -1, high: 1, generator: RandomGenerator(seed: 1))
        let w = Tensor.uniform([k, n], low: -1, high: 1, generator: RandomGenerator(seed: 2))  // [in, out]
        let wt = w.transposed(0, 1)                                             // [out, in]
        let bias = Tensor.uniform([n], low: -1, high: 1, generator: RandomGenerator(seed: 3))
        let xs = x.scalars, ws = w.scalars, bs = bias.scalars
        let expected = Tensor((0..<n).map { c in Float((0..<k).reduce(0.0) { $0 + Double(xs[$1]) * Double(ws[$1 * n + c]) }) },
                              shape: [1, n])
        let withBias = Tensor((0..<n).map { expected.scalars[$0] + bs[$0] }, shape: [1, n])
        let tolerance = (rtol: Float(1e-5), atol: Float(2e-5) * Float(k).squareRoot())
        for (label, y, reference) in [("x·W", x.matmul(w), expected), ("x·Wᵀ", x.linear(weight: wt), expected),
                                      ("x·Wᵀ + b", x.linear(weight: wt, bias: bias), withBias),
                                      ("x·W + b", x.linear(weightInOut: w, bias: bias), withBias)] {
            let closeness = y.closeness(to: reference, rtol: tolerance.rtol, atol: tolerance.atol)
            #expect(closeness.isClose, "\(label) k=\(k) n=\(n): \(closeness)")
        }
    }
}
