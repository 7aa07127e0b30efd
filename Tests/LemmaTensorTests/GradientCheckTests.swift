import LemmaTensor
import Testing

/// Finite-difference checks of every differentiable op's gradient rule.
struct GradientCheckTests {
    typealias Op = @Sendable ([Tensor]) -> Tensor

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let shapes: [[Int]]
        let positive: Bool
        /// Inputs spaced at least 0.03 apart everywhere, so max/min never cross a tie within a finite step.
        let distinct: Bool
        let op: Op
        var testDescription: String { name }

        init(_ name: String, _ shapes: [[Int]], positive: Bool = false, distinct: Bool = false,
             _ op: @escaping Op) {
            self.name = name
            self.shapes = shapes
            self.positive = positive
            self.distinct = distinct
            self.op = op
        }
    }

    static let cases: [Case] = [
        Case("add broadcast", [[3, 1, 4], [2, 1]]) { $0[0] + $0[1] },
        Case("sub broadcast", [[2, 3], [3]]) { $0[0] - $0[1] },
        Case("mul broadcast", [[2, 1, 3], [1, 4, 3]]) { $0[0] * $0[1] },
        Case("div broadcast", [[3, 4], [3, 1]]) { $0[0] / $0[1] },
        Case("maximum", [[3, 4], [4]], distinct: true) { $0[0].maximum($0[1]) },
        Case("minimum", [[3, 4], [3, 4]], distinct: true) { $0[0].minimum($0[1]) },
        Case("pow tensor", [[3, 4], [4]], positive: true) { $0[0].pow($0[1]) },
        Case("scalar arithmetic", [[5]]) { 2 - ($0[0] * 3 + 1) / 4 },
        Case("reciprocal and constant division", [[5]]) { 2 / $0[0] },
        Case("exp", [[4, 5]]) { $0[0].exp() },
        Case("log", [[4, 5]], positive: true) { $0[0].log() },
        Case("sqrt", [[4, 5]], positive: true) { $0[0].sqrt() },
        Case("tanh", [[4, 5]]) { $0[0].tanh() },
        Case("sigmoid", [[4, 5]]) { $0[0].sigmoid() },
        Case("relu", [[4, 5]]) { $0[0].relu() },
        Case("gelu", [[4, 5]]) { $0[0].gelu() },
        Case("gelu tanh", [[4, 5]]) { $0[0].geluTanh() },
        Case("abs", [[4, 5]]) { $0[0].abs() },
        Case("negate", [[4, 5]]) { -$0[0] },
        Case("square", [[4, 5]]) { $0[0].squared() },
        Case("pow scalar", [[4, 5]], positive: true) { $0[0].pow(1.7) },
        Case("sum axes", [[2, 3, 4]]) { $0[0].sum(axes: [0, 2]) },
        Case("sum all", [[2, 3, 4]]) { $0[0].sum() },
        Case("mean keepdims", [[2, 3, 4]]) { $0[0].mean(axis: 1, keepDims: true) },
        Case("max axis", [[3, 5]], distinct: true) { $0[0].max(axis: 1).values },
        Case("top-k last axis", [[3, 7]], distinct: true) { $0[0].topK(3, axis: 1).values },
        Case("top-k middle axis", [[2, 6, 3]], distinct: true) { $0[0].topK(2, axis: 1).values },
        Case("min axis", [[3, 5]], distinct: true) { $0[0].min(axis: 0).values },
        Case("logsumexp", [[3, 5]]) { $0[0].logSumExp(axis: 1) },
        Case("softmax last", [[3, 5]]) { $0[0].softmax(axis: -1) },
        Case("softmax middle", [[2, 4, 3]]) { $0[0].softmax(axis: 1) },
        Case("log softmax", [[3, 5]]) { $0[0].logSoftmax(axis: -1) },
        Case("log softmax middle", [[2, 4, 3]]) { $0[0].logSoftmax(axis: 1) },
        Case("matmul", [[3, 4], [4, 5]]) { $0[0].matmul($0[1]) },
        Case("matmul folded", [[2, 3, 4], [4, 2]]) { $0[0].matmul($0[1]) },
        Case("matmul batched broadcast", [[2, 1, 3, 4], [3, 4, 2]]) { $0[0].matmul($0[1]) },
        Case("matmul vector", [[4], [4, 3]]) { $0[0].matmul($0[1]) },
        Case("linear", [[2, 3, 4], [5, 4], [5]]) { $0[0].linear(weight: $0[1], bias: $0[2]) },
        Case("linear, weight stored [in, out]", [[2, 3, 4], [4, 5], [5]]) { $0[0].linear(weightInOut: $0[1], bias: $0[2]) },
        Case("linear, forward through an [in, out] copy", [[2, 3, 4], [5, 4], [5]]) {
            t in t[0].linear(weight: t[1], copyInOut: withNoGrad { t[1].transposed(0, 1) }, bias: t[2])
        },
        Case("checkpointed (recomputed in backward)", [[2, 3], [3, 4]]) { t in checkpointed(t[0], parameters: [t[1]]) { $0.matmul(t[1]).tanh() * $0.sum() } },
        Case("reshape", [[2, 6]]) { $0[0].reshaped([3, -1]) * $0[0].reshaped([3, 4]) },
        Case("permute", [[2, 3, 4]]) { $0[0].permuted([1, 2, 0]) },
        Case("transpose", [[2, 3, 4]]) { $0[0].transposed(0, 2) },
        Case("slice", [[3, 6, 2]]) { $0[0].slice(axis: 1, 2..<5) },
        Case("concat", [[2, 3], [2, 2]]) { Tensor.concat([$0[0], $0[1], $0[0]], axis: 1) },
        Case("stack", [[2, 3], [2, 3]]) { Tensor.stack([$0[0], $0[1]], axis: 2) },
        Case("expand", [[3, 1]]) { $0[0].expanded(to: [2, 3, 4]) },
        Case("copy", [[3]]) { $0[0].copied() * $0[0] },
        Case("index select", [[6, 3]]) { $0[0].indexSelect(IndexTensor([4, 0, 4, 5, 1, 4], shape: [2, 3])) },
        Case("gather", [[3, 4]]) { $0[0].gather(axis: 1, IndexTensor([0, 3, 3, 1, 2, 2], shape: [3, 2])) },
        Case("scatter add", [[2, 4], [2, 3]]) { $0[0].scatterAdding(axis: 1, IndexTensor([0, 1, 0, 3, 3, 3], shape: [2, 3]), $0[1]) },
        Case("where", [[3, 4], [4]]) { Tensor.select(Tensor([1, 0, 0, 1], shape: [4]), $0[0], $0[1]) },
        Case("masked fill", [[2, 3]]) { $0[0].maskedFill(Tensor([0, 1, 0, 1, 1, 0], shape: [2, 3]), 5) },
        Case("a graph that reuses a value", [[3, 3]]) { x in
            let h = x[0].tanh()
            return (h.matmul(h) + h * x[0]).softmax(axis: 0)
        },
        // A tied table, as a step-by-step decoder uses it: looked up and projected onto at every step, so
        // each use's gradient is added into one buffer in place.
        Case("a table read by lookups and a tied projection, many times", [[6, 3]]) { w in
            var total = w[0].indexSelect(IndexTensor([1, 2], shape: [2])).linear(weight: w[0])
            for t in 0..<3 {
                let looked = w[0].indexSelect(IndexTensor([Int32(t), Int32(t + 2)], shape: [2]))
                total = total + looked.tanh().linear(weight: w[0]) * looked.sum()
            }
            return total
        },
        Case("cross entropy per row", [[3, 5]]) { $0[0].crossEntropyPerRow([2, 0, 4]) },
        Case("linear cross-entropy without the scores", [[4, 3], [5, 3], [5]]) {
            $0[0].linearCrossEntropySum(weight: $0[1], bias: $0[2], targets: [2, 0, 4, 4], rowWeights: [1, 0.5, 0, 2])
        },
        Case("slice and permute in one copy, read twice", [[2, 3, 2, 4]]) { x in
            x[0].permuted([2, 1, 0, 3], slicing: 3, 1..<3) * 2 + x[0].permuted([1, 2, 0, 3], slicing: 3, 0..<2).permuted([1, 0, 2, 3])
        },
        // Two single steps of one GRU weight: W_hh multiplied transposed in place, its gradient accumulated.
        Case("recurrence stepped one token at a time", [[1, 2, 6], [1, 2, 6], [6, 2], [6], [2, 2]]) { x in
            func step(_ projections: Tensor, _ state: Tensor) -> Tensor {
                Tensor.recurrence(.gru, directions: [RecurrentDirection(projections: projections, weightHH: x[2],
                                                                        biasHH: x[3], initialHidden: state)]).reshaped([2, 2])
            }
            return step(x[1], step(x[0], x[4]))
        },
    ]

    @Test(arguments: cases)
    func gradientMatchesFiniteDifferences(_ c: Case) {
        let inputs = c.shapes.enumerated().map { n, shape -> Tensor in
            if c.distinct { return distinctValues(shape, seed: UInt64(n + 1), offset: Float(n) * 0.03) }
            let x = awayFromZero(shape, seed: UInt64(n + 1))
            return c.positive ? x.abs() + 0.3 : x
        }
        checkGradients(inputs, c.name, c.op)
    }
}

/// A shuffled grid with spacing 0.1 (plus `offset`), so no two values in or across inputs are within 0.03.
func distinctValues(_ shape: [Int], seed: UInt64, offset: Float) -> Tensor {
    let g = RandomGenerator(seed: seed)
    var values = (0..<shape.reduce(1, *)).map { Float($0) * 0.1 - 1 + offset }
    for i in values.indices.reversed() where i > 0 { values.swapAt(i, g.nextInt(below: i + 1)) }
    return Tensor(values, shape: shape)
}

/// An embedding's padding row gets no gradient from its lookups, but keeps what other uses of the same
/// table give it (a tied output projection), whichever use's gradient arrives first.
@Test func paddingRowKeepsTheGradientOfOtherUses() {
    for lookupsFirst in [true, false] {
        let w = Tensor.zeros([5, 2])
        w.requiresGrad = true
        let lookups = w.indexSelect(IndexTensor([1, 3, 1], shape: [3]), paddingIndex: 3).sum()
        let projection = Tensor.full([1, 2], 1).linear(weight: w).sum()
        (lookupsFirst ? lookups + projection : projection + lookups).backward()
        #expect(w.grad?.scalars == [1, 1, 3, 3, 1, 1, 1, 1, 1, 1], "lookups first: \(lookupsFirst)")
    }
}
