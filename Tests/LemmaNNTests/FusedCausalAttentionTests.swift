import Testing
import LemmaNN
import LemmaTensor

/// `Tensor.causalSelfAttention` (one kernel over the packed projection) against the composite path: heads split
/// by slicing and permuting, `scaledDotProductAttention(causal: true)`, dropout as a multiply, heads merged.
struct FusedCausalAttentionTests {
    static func composite(_ qkv: Tensor, heads: Int, scale: Float?, keep: Tensor?) -> Tensor {
        let batch = qkv.shape[0], length = qkv.shape[1], width = qkv.shape[2] / 3
        func part(_ i: Int) -> Tensor {
            qkv.slice(axis: 2, (i * width)..<((i + 1) * width)).reshaped([batch, length, heads, width / heads])
                .permuted([0, 2, 1, 3])
        }
        let (q, k, v) = (part(0), part(1), part(2))
        var weights = scaledDotProductAttention(query: q, key: k, value: v, causal: true, scale: scale).weights
        if let keep { weights = weights * keep }
        return weights.matmul(v).permuted([0, 2, 1, 3]).reshaped([batch, length, width])
    }

    /// 150 positions cross the kernel's 64-query blocks twice and end in a partial one; 65 leaves a last block of
    /// one query (whose products run as one-row GEMMs on strided rows); 64 is exactly one block, 10 a short one.
    /// One batch row gives three heads to share between threads, unevenly. Scale 8 makes scores up to ±40.
    @Test(arguments: [(nil, false), (1, false), (nil, true), (8, false)] as [(Float?, Bool)],
          [(2, 150), (1, 65), (1, 64), (2, 10), (1, 1)])
    func equalsTheCompositePathForwardAndBackward(_ options: (scale: Float?, dropout: Bool), _ size: (batch: Int, length: Int)) {
        let (scale, dropout) = options
        let (batch, length, heads, headWidth) = (size.batch, size.length, 3, 5)
        let qkv = Tensor.uniform([batch, length, 3 * heads * headWidth], low: -1, high: 1, generator: RandomGenerator(seed: 40))
        let keep = dropout ? Tensor.bernoulli([batch, heads, length, length], probability: 0.8, value: 1.25,
                                              generator: RandomGenerator(seed: 41)) : nil
        let probe = Tensor.uniform([batch, length, heads * headWidth], low: -1, high: 1, generator: RandomGenerator(seed: 42))
        func run(_ f: (Tensor) -> Tensor) -> (Tensor, Tensor) {
            let x = Tensor(qkv.scalars, shape: qkv.shape, requiresGrad: true)
            let y = f(x)
            (y * probe).sum().backward()
            return (y, x.grad!)
        }
        let (fused, fusedGrad) = run { Tensor.causalSelfAttention(packed: $0, heads: heads, scale: scale, keep: keep) }
        let (reference, referenceGrad) = run { Self.composite($0, heads: heads, scale: scale, keep: keep) }
        let forward = fused.closeness(to: reference, rtol: 1e-5, atol: 1e-6)
        #expect(forward.isClose, "output: \(forward)")
        let backward = fusedGrad.closeness(to: referenceGrad, rtol: 1e-4, atol: 1e-5)
        #expect(backward.isClose, "gradient: \(backward)")
    }

    @Test func gradientMatchesFiniteDifferences() {
        // 70 positions: one full 64-query block and a partial one, so dk/dv sum over blocks.
        let qkv = Tensor.uniform([1, 70, 12], low: -1, high: 1, generator: RandomGenerator(seed: 43))
        let keep = Tensor.bernoulli([1, 2, 70, 70], probability: 0.75, value: 4 / 3, generator: RandomGenerator(seed: 44))
        for mask in [nil, keep] {
            let failure = gradientCheck([qkv]) { t in Tensor.causalSelfAttention(packed: t[0], heads: 2, keep: mask) }
            #expect(failure == nil, "\(mask == nil ? "no dropout" : "dropout"): \(failure.map(String.init(describing:)) ?? "")")
        }
    }

    @Test func onePositionAttendsToItself() {
        let qkv = Tensor.uniform([3, 1, 6], low: -1, high: 1, generator: RandomGenerator(seed: 45))
        let y = Tensor.causalSelfAttention(packed: qkv, heads: 1)
        #expect(y.closeness(to: qkv.slice(axis: 2, 4..<6), rtol: 1e-6, atol: 1e-7).isClose)
    }
}
