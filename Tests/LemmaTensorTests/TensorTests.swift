import Foundation
import LemmaTensor
import Testing

struct TensorTests {
    @Test func reshapeSharesStorageAndInfersOneDim() {
        let x = Tensor.arange(12)
        let y = x.reshaped([3, -1])
        #expect(y.shape == [3, 4])
        #expect(y.storage === x.storage)
        #expect(x.reshaped([2, 2, 3]).unsqueezed(0).shape == [1, 2, 2, 3])
        #expect(x.reshaped([1, 12]).squeezed(0).shape == [12])
    }

    @Test func permutingOnlyUnitDimsIsAViewAndOthersCopy() {
        let x = Tensor.arange(24).reshaped([4, 1, 6])
        let moved = x.transposed(0, 1)  // [1, 4, 6]: a one-step sequence made time-major
        #expect(moved.shape == [1, 4, 6] && moved.storage === x.storage && moved.scalars == x.scalars)
        let sliced = x.permuted([1, 0, 2], slicing: 2, 0..<6)  // the whole axis: a view as well
        #expect(sliced.storage === x.storage && sliced.shape == [1, 4, 6])
        let swapped = x.permuted([2, 1, 0])  // [6, 1, 4]: elements move
        #expect(swapped.storage !== x.storage && swapped.scalars[1] == 6)
        // The gradient still flows back through the view.
        let leaf = Tensor.arange(6).reshaped([3, 1, 2])
        leaf.requiresGrad = true
        (leaf.transposed(0, 1) * Tensor.full([1, 3, 2], 2)).sum().backward()
        #expect(leaf.grad?.shape == [3, 1, 2] && leaf.grad?.scalars == Array(repeating: 2, count: 6))
    }

    @Test func randomStreamsMatchAnIndependentImplementation() throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("random.json"))) as! [String: Any]
        let expected = (json["outputs"] as! [String]).map { UInt64($0)! }
        let g = RandomGenerator(seed: UInt64(json["seed"] as! Int))
        #expect((0..<expected.count).map { _ in g.next() } == expected)
    }

    @Test func seededTensorsAreReproducible() {
        // Other tests draw from the default generator concurrently, so scope one to this test.
        let a = Random.using(RandomGenerator(seed: 5)) { Tensor.normal([1000]) }
        let b = Random.using(RandomGenerator(seed: 5)) { Tensor.normal([1000]) }
        #expect(a.scalars == b.scalars)
        let mean = a.mean().item, std = (a - mean).squared().mean().item.squareRoot()
        #expect(Swift.abs(mean) < 0.1 && Swift.abs(std - 1) < 0.1)
        let u = Tensor.uniform([1000], low: 2, high: 3, generator: RandomGenerator(seed: 1)).scalars
        #expect(u.allSatisfy { $0 >= 2 && $0 < 3 })
        let coin = Tensor.bernoulli([10_000], probability: 0.3, generator: RandomGenerator(seed: 1)).mean().item
        #expect(Swift.abs(coin - 0.3) < 0.02)
    }

    @Test func globalSeedMakesTheDefaultGeneratorRepeat() async {
        // In a child process, where no other test can draw between the seed and the samples.
        await #expect(processExitsWith: .success) {
            Random.seed(5)
            let a = Tensor.normal([100]).scalars
            Random.seed(5)
            let b = Tensor.normal([100]).scalars
            Random.seed(6)
            let c = Tensor.normal([100]).scalars
            precondition(a == b && a != c, "Random.seed did not reset the default generator")
        }
    }

    @Test func sliceAndPermuteInOneCopyEqualsTheTwoOps() {
        let x = Tensor.arange(2 * 3 * 4 * 5).reshaped([2, 3, 4, 5])
        for (order, axis, range) in [([2, 1, 0, 3], 3, 1..<4), ([1, 2, 0, 3], 0, 1..<2), ([3, 0, 2, 1], 2, 0..<4)] {
            let one = x.permuted(order, slicing: axis, range)
            let two = x.slice(axis: axis, range).permuted(order)
            #expect(one.shape == two.shape && one.scalars == two.scalars, "\(order) slicing \(axis) \(range)")
        }
    }

    @Test func argmaxAndComparisons() {
        let x = Tensor([1, 5, 2, 7, 0, 3], shape: [2, 3])
        #expect(x.argmax(axis: 1) == IndexTensor([1, 0], shape: [2]))
        #expect((x .> 2).scalars == [0, 1, 0, 1, 0, 1])
        #expect((x .== Tensor([1, 0, 3], shape: [3])).scalars == [1, 0, 0, 0, 1, 1])
    }

    /// topK against a stable sort (NaN first, larger first, lower index first) over rows with many ties, NaNs
    /// and −∞, short and long (the kernel skips 16-value blocks), k small (a sorted list) and large (a sort),
    /// along the last and a middle axis.
    @Test func topKMatchesAStableSortWithNaNFirst() {
        let generator = RandomGenerator(seed: 12)
        func ranked(_ row: [Float]) -> [Int] {
            row.indices.sorted { a, b in
                let (u, v) = (row[a], row[b])
                if u.isNaN != v.isNaN { return u.isNaN }
                if !u.isNaN, u != v { return u > v }
                return a < b
            }
        }
        for length in [1, 5, 16, 17, 40, 100, 333] {
            for k in Set([0, 1, 3, Swift.min(10, length), Swift.min(65, length), length]) where k <= length {
                for special in 0..<3 {
                    var values = (0..<(2 * length * 3)).map { _ in Float(generator.nextInt(below: 9)) - 4 }
                    if special == 1 { for i in stride(from: 3, to: values.count, by: 7) { values[i] = .nan } }
                    if special == 2 { values = values.map { $0 > 0 ? -.infinity : $0 } }
                    let (found, at) = Tensor(values, shape: [6, length]).topK(k, axis: 1)
                    #expect(found.shape == [6, k])
                    for row in 0..<6 {
                        let slice = Array(values[(row * length)..<((row + 1) * length)])
                        let expected = Array(ranked(slice).prefix(k))
                        #expect(at.values[(row * k)..<((row + 1) * k)].map(Int.init) == expected,
                                "length \(length) k \(k) special \(special)")
                        for j in 0..<k {
                            let value = found.scalars[row * k + j], want = slice[expected[j]]
                            #expect(value.isNaN ? want.isNaN : value == want)
                        }
                    }
                    let (_, middleAt) = Tensor(values, shape: [2, length, 3]).topK(k, axis: 1)
                    for o in 0..<2 {
                        for i in 0..<3 {
                            let column = (0..<length).map { values[(o * length + $0) * 3 + i] }
                            let got = (0..<k).map { Int(middleAt.values[(o * k + $0) * 3 + i]) }
                            #expect(got == Array(ranked(column).prefix(k)), "middle: length \(length) k \(k)")
                        }
                    }
                }
            }
        }
    }

    /// topKWithLogSumExp: the same choice as topK, the same log-sum-exp bits as logSumExp, and that within float
    /// rounding of a double-precision sum, with NaN, −∞ and +∞ rows.
    @Test func topKWithLogSumExpAgreesWithTopKAndADoublePrecisionSum() {
        let generator = RandomGenerator(seed: 13)
        for length in [1, 7, 16, 17, 100, 10_774] {
            for k in Set([0, 1, Swift.min(10, length), Swift.min(64, length)]) {
                for special in 0..<5 {
                    // Special 4 rises along the row; ties come from rounding to quarters.
                    var values = (0..<(3 * length)).map { i in
                        (Float(generator.nextInt(below: 64)) / 4 - 8) + (special == 4 ? Float(i % length) / 8 : 0)
                    }
                    if special == 1 { values[length / 2] = .nan }
                    if special == 2 { for i in 0..<length { values[length + i] = -.infinity } }
                    if special == 3 { values[2 * length + length / 3] = .infinity }
                    let x = Tensor(values, shape: [3, length])
                    let (found, at, logSumExp) = x.topKWithLogSumExp(k)
                    let (expected, expectedAt) = x.topK(k, axis: 1)
                    #expect(at == expectedAt, "length \(length) k \(k) special \(special)")
                    #expect(zip(found.scalars, expected.scalars).allSatisfy { $0.isNaN ? $1.isNaN : $0 == $1 })
                    let separate = x.logSumExp(axis: 1).scalars
                    #expect(zip(logSumExp.scalars, separate).allSatisfy { $0.isNaN ? $1.isNaN : $0 == $1 })
                    for row in 0..<3 {
                        let slice = values[(row * length)..<((row + 1) * length)]
                        let got = logSumExp.scalars[row]
                        if slice.contains(where: \.isNaN) { #expect(got.isNaN); continue }
                        let top = slice.max()!
                        if top.isInfinite { #expect(got == top); continue }
                        let reference = Double(top) + Foundation.log(slice.reduce(0.0) { $0 + Foundation.exp(Double($1) - Double(top)) })
                        #expect(abs(Double(got) - reference) <= 1e-5 * Swift.max(1, abs(reference)),
                                "length \(length) special \(special): \(got) vs \(reference)")
                    }
                }
            }
        }
    }

    /// max(axis:) against a plain scan: the first maximum, or the first NaN, over rows short and long
    /// (the kernel splits long contiguous rows into lanes) and along a middle axis.
    @Test func maxAlongAnAxisIsTheFirstMaximumOrTheFirstNaN() {
        let generator = RandomGenerator(seed: 11)
        for length in [1, 2, 15, 16, 31, 32, 33, 47, 48, 100, 129] {
            for special in 0..<4 {
                var values = (0..<(3 * length * 2)).map { _ in Float(generator.nextInt(below: 7)) - 3 }  // ties
                if special == 1 { values[length / 2] = .nan; values[length - 1] = .nan }
                if special == 2 { values = values.map { $0 > 1 ? -.infinity : $0 } }
                if special == 3 { values = values.map { _ in -.infinity } }
                let x = Tensor(values, shape: [3, length, 2])
                // Along the last axis (contiguous rows): the same numbers as 6 rows of `length`.
                let (found, at) = Tensor(values, shape: [6, length]).max(axis: 1)
                for row in 0..<6 {
                    let slice = Array(values[(row * length)..<((row + 1) * length)])
                    let expected = slice.firstIndex { $0.isNaN } ?? slice.indices.first { slice[$0] == slice.max()! }!
                    #expect(Int(at.values[row]) == expected, "length \(length) special \(special) row \(row)")
                    let value = found.scalars[row]
                    #expect(value.isNaN ? slice[expected].isNaN : value == slice[expected])
                }
                // Along the middle axis (inner > 1) directly.
                let (middle, middleAt) = x.max(axis: 1)
                for o in 0..<3 {
                    for i in 0..<2 {
                        let column = (0..<length).map { values[(o * length + $0) * 2 + i] }
                        let expected = column.firstIndex { $0.isNaN } ?? column.indices.first { column[$0] == column.max()! }!
                        #expect(Int(middleAt.values[o * 2 + i]) == expected, "middle: length \(length) special \(special)")
                        let value = middle.scalars[o * 2 + i]
                        #expect(value.isNaN ? column[expected].isNaN : value == column[expected])
                    }
                }
            }
        }
    }

    @Test func specialValuesFollowIEEE() {
        // (Denormal inputs: DenormalTests, since Lemma reads them as zero by default.)
        let x = Tensor([0, -1, .infinity, .nan, 100])
        let log = x.log().scalars
        #expect(log[0] == -.infinity && log[1].isNaN && log[2] == .infinity && log[3].isNaN)
        let exp = Tensor([-200, 200, .nan, 0]).exp().scalars
        #expect(exp[0] == 0 && exp[1] == .infinity && exp[2].isNaN && exp[3] == 1)
        let tanh = Tensor([-30, 30, 1e-6, .nan]).tanh().scalars
        #expect(tanh[0] == -1 && tanh[1] == 1 && Swift.abs(tanh[2] - 1e-6) < 1e-12 && tanh[3].isNaN)
        #expect(Tensor([-1, .nan, 2]).relu().scalars[1].isNaN)
    }

    @Test func logSumExpOfLongRowsMatchesADoublePrecisionSum() {
        // Rows of 16 or more take the vectorized max; lengths around the lane width, and special values.
        let g = RandomGenerator(seed: 3)
        for length in [15, 16, 17, 211, 1000] {
            var rows = Tensor.uniform([6, length], low: -30, high: 30, generator: g).scalars
            rows[length + length - 1] = 500  // the maximum in the last element
            rows[2 * length + 1] = .nan  // a NaN anywhere gives NaN, as in PyTorch
            rows[3 * length] = .nan
            for l in 0..<length { rows[4 * length + l] = -.infinity }
            rows[5 * length + length / 2] = .infinity
            let found = Tensor(rows, shape: [6, length]).logSumExp(axis: 1).scalars
            for row in [0, 1] {
                let values = rows[(row * length)..<((row + 1) * length)].map(Double.init)
                let m = values.max()!
                let expected = m + Foundation.log(values.reduce(0) { $0 + Foundation.exp($1 - m) })
                #expect(Swift.abs(Double(found[row]) - expected) < 1e-5 * Swift.max(1, Swift.abs(expected)), "length \(length) row \(row)")
            }
            #expect(found[2].isNaN && found[3].isNaN && found[4] == -.infinity && found[5] == .infinity, "length \(length)")
        }
    }

    @Test func largeTensorsGiveTheSameResultsOnTheParallelPath() {
        // 1M elements cross the parallel threshold; compare with the same values computed in chunks.
        let x = Tensor.uniform([1 << 20], low: -4, high: 4, generator: RandomGenerator(seed: 8))
        let whole = x.tanh().scalars
        let part = x.slice(axis: 0, 1000..<1100).tanh().scalars
        #expect(Array(whole[1000..<1100]) == part)
        let sum = x.reshaped([1024, 1024]).sum(axis: 1).scalars
        let rowSum = x.slice(axis: 0, 0..<1024).sum().item
        #expect(Swift.abs(sum[0] - rowSum) < 1e-3)
    }

    @Test func steadyTrainingLoopReusesBuffers() async {
        // In a child process: the buffer pool is shared, so in this one another test's thread may take a
        // buffer this loop just returned, and this loop would then have to allocate a fresh one.
        await #expect(processExitsWith: .success) {
            let backend = CPUBackend.shared
            let w = Tensor.normal([32, 16], std: 0.1, generator: RandomGenerator(seed: 1))
            w.requiresGrad = true
            let x = Tensor.normal([8, 16], generator: RandomGenerator(seed: 2))
            func step() {
                let loss = x.linear(weight: w).tanh().logSoftmax(axis: -1).mean()
                loss.backward()
                withNoGrad { backend.axpy(alpha: -0.1, w.grad!.storage, w.storage) }
                w.zeroGrad()
            }
            step(); step()
            let before = backend.freshAllocations
            for _ in 0..<10 { step() }
            let after = backend.freshAllocations
            precondition(after == before, "the steady loop allocated \(after - before) fresh buffers")
        }
    }
}
