import LemmaTensor
import Testing

/// Weight gradients made of many thin products (a decoder's weights, one use per step) are gathered and
/// summed as one GEMM; these check the sum against the same gradient computed in one piece (one use over
/// all rows, which takes the immediate path) and against finite differences.
struct DeferredProductsTests {
    /// `steps` uses of one weight, `rows` rows each, through `linear` (either layout) and a shared-right
    /// `matmul`: the gradient equals one use of it over the concatenated rows. 300 steps of 8 rows pass the
    /// 2,048 gathered rows at which a sum happens before the pass ends, so both sums are exercised.
    @Test(arguments: [(steps: 3, rows: 5), (steps: 300, rows: 8)])
    func manyThinUsesSumToTheGradientOfOneUse(steps: Int, rows: Int) {
        let g = RandomGenerator(seed: 3)
        let weight = Tensor.normal([6, 4], generator: g)
        let inputs = (0..<steps).map { _ in Tensor.normal([rows, 4], generator: g) }
        let upstream = (0..<steps).map { _ in Tensor.normal([rows, 6], generator: g) }
        func gradient(_ loss: (Tensor) -> Tensor) -> [Float] {
            weight.requiresGrad = true
            weight.zeroGrad()
            loss(weight).backward()
            return weight.grad!.scalars
        }
        let whole = gradient { w in (Tensor.concat(inputs, axis: 0).linear(weight: w) * Tensor.concat(upstream, axis: 0)).sum() }
        let stepwise = gradient { w in
            zip(inputs, upstream).map { x, u in (x.linear(weight: w) * u).sum() }.reduce(Tensor(scalar: 0), +)
        }
        let inOut = gradient { w in
            let wInOut = w.transposed(0, 1)
            return zip(inputs, upstream).map { x, u in (x.matmul(wInOut) * u).sum() }.reduce(Tensor(scalar: 0), +)
        }
        #expect(close(stepwise, whole))
        #expect(close(inOut, whole))
    }

    /// Per-item products (an attention's memory read once per decoder step by each item's own query) and a
    /// recurrence's W_hh stepped one token at a time, against finite differences.
    @Test func batchedAndRecurrentThinProductsPassGradientCheck() {
        let g = RandomGenerator(seed: 9)
        let memory = Tensor.normal([2, 5, 3], generator: g)
        let queries = Tensor.normal([2, 4, 3], generator: g)
        let attention = gradientCheck([memory, queries]) { t in
            let steps = (0..<4).map { s in
                let q = t[1].slice(axis: 1, s..<(s + 1))                           // [2, 1, 3]
                let weights = q.matmul(t[0].transposed(1, 2)).softmax(axis: 2)      // [2, 1, 5]
                return weights.matmul(t[0])                                         // [2, 1, 3]
            }
            return Tensor.concat(steps, axis: 1)
        }
        #expect(attention == nil, "\(attention!)")

        let weightHH = Tensor.normal([12, 3], std: 0.5, generator: g)
        let projections = Tensor.normal([4, 2, 12], generator: g)
        let recurrent = gradientCheck([weightHH, projections]) { t in
            var hidden = Tensor.zeros([2, 3]), cell = Tensor.zeros([2, 3])
            var outputs: [Tensor] = []
            for s in 0..<4 {
                let direction = RecurrentDirection(projections: t[1].slice(axis: 0, s..<(s + 1)), weightHH: t[0],
                                                   biasHH: Tensor.zeros([12]), initialHidden: hidden, initialCell: cell)
                let states = Tensor.recurrence(.lstm, directions: [direction]).reshaped([2, 6])
                hidden = states.slice(axis: 1, 0..<3)
                cell = states.slice(axis: 1, 3..<6)
                outputs.append(hidden)
            }
            return Tensor.stack(outputs, axis: 0)
        }
        #expect(recurrent == nil, "\(recurrent!)")
    }

    private func close(_ a: [Float], _ b: [Float]) -> Bool {
        zip(a, b).allSatisfy { Swift.abs($0 - $1) <= 1e-4 + 1e-4 * Swift.abs($1) }
    }
}
