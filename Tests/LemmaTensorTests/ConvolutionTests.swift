import Foundation
import LemmaTensor
import Synchronization
import Testing

/// Convolution and pooling against PyTorch (conv.safetensors, made by scripts/make_conv_fixtures.py), against
/// finite differences, and, at sizes too large for a fixture, against a direct loop and the adjoint identity.
struct ConvolutionTests {
    static let file: SafetensorsFile = try! SafetensorsFile(url: Fixtures.url("conv.safetensors"))

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let inputs: [String]
        let rtol: Float
        let body: @Sendable ([String: Tensor]) -> Tensor
        var testDescription: String { name }

        init(_ name: String, _ inputs: [String], rtol: Float = 1e-5, _ body: @escaping @Sendable ([String: Tensor]) -> Tensor) {
            self.name = name
            self.inputs = inputs
            self.rtol = rtol
            self.body = body
        }
    }

    /// Each case repeats the arguments its fixture was made with (scripts/make_conv_fixtures.py).
    static let cases: [Case] = [
        Case("conv1d", ["x", "w", "b"]) { $0["x"]!.conv1d(weight: $0["w"]!, bias: $0["b"]!) },
        Case("conv1d_stride2_pad1", ["x", "w", "b"]) {
            $0["x"]!.conv1d(weight: $0["w"]!, bias: $0["b"]!, stride: 2, padding: 1)
        },
        Case("conv1d_dilation2_pad2_nobias", ["x", "w"]) { $0["x"]!.conv1d(weight: $0["w"]!, padding: 2, dilation: 2) },
        Case("conv1d_stride3_k4", ["x", "w", "b"]) { $0["x"]!.conv1d(weight: $0["w"]!, bias: $0["b"]!, stride: 3) },
        Case("conv1d_groups2", ["x", "w", "b"]) {
            $0["x"]!.conv1d(weight: $0["w"]!, bias: $0["b"]!, padding: 1, groups: 2)
        },
        Case("conv1d_text_cnn", ["x", "w", "b"]) {
            $0["x"]!.conv1d(weight: $0["w"]!, bias: $0["b"]!).relu().adaptiveMaxPool1d(outputSize: 1)
        },
        Case("conv1d_unbatched", ["x", "w"]) { $0["x"]!.conv1d(weight: $0["w"]!) },
        Case("conv2d", ["x", "w", "b"]) { $0["x"]!.conv2d(weight: $0["w"]!, bias: $0["b"]!) },
        Case("conv2d_stride21_pad12", ["x", "w", "b"]) {
            $0["x"]!.conv2d(weight: $0["w"]!, bias: $0["b"]!, stride: [2, 1], padding: [1, 2])
        },
        Case("conv2d_dilation23_stride2_nobias", ["x", "w"]) {
            $0["x"]!.conv2d(weight: $0["w"]!, stride: 2, padding: 2, dilation: [2, 3])
        },
        Case("conv2d_groups2", ["x", "w", "b"]) {
            $0["x"]!.conv2d(weight: $0["w"]!, bias: $0["b"]!, padding: 1, groups: 2)
        },
        Case("conv2d_1x1", ["x", "w", "b"]) { $0["x"]!.conv2d(weight: $0["w"]!, bias: $0["b"]!) },
        Case("conv2d_channels18_20", ["x", "w", "b"]) { $0["x"]!.conv2d(weight: $0["w"]!, bias: $0["b"]!, padding: 1) },
        Case("conv2d_first_layer", ["x", "w", "b"]) { $0["x"]!.conv2d(weight: $0["w"]!, bias: $0["b"]!, padding: 1) },
        Case("max_pool1d", ["x"]) { $0["x"]!.maxPool1d(kernelSize: 2) },
        Case("max_pool1d_k3_s2_p1", ["x"]) { $0["x"]!.maxPool1d(kernelSize: 3, stride: 2, padding: 1) },
        Case("max_pool2d", ["x"]) { $0["x"]!.maxPool2d(kernelSize: 2) },
        Case("max_pool2d_k32_s2_p1", ["x"]) { $0["x"]!.maxPool2d(kernelSize: [3, 2], stride: 2, padding: 1) },
        Case("max_pool2d_k21", ["x"]) { $0["x"]!.maxPool2d(kernelSize: [2, 1]) },
        Case("avg_pool1d_k3_s2_p1", ["x"]) { $0["x"]!.avgPool1d(kernelSize: 3, stride: 2, padding: 1) },
        Case("avg_pool1d", ["x"]) { $0["x"]!.avgPool1d(kernelSize: 4) },
        Case("avg_pool2d_k3_s2_p1", ["x"]) { $0["x"]!.avgPool2d(kernelSize: 3, stride: 2, padding: 1) },
        Case("avg_pool2d_k23_s12_p10", ["x"]) {
            $0["x"]!.avgPool2d(kernelSize: [2, 3], stride: [1, 2], padding: [1, 0])
        },
        Case("adaptive_max_pool1d_1", ["x"]) { $0["x"]!.adaptiveMaxPool1d(outputSize: 1) },
        Case("adaptive_max_pool1d_4", ["x"]) { $0["x"]!.adaptiveMaxPool1d(outputSize: 4) },
        Case("adaptive_max_pool1d_7_of_5", ["x"]) { $0["x"]!.adaptiveMaxPool1d(outputSize: 7) },
        Case("adaptive_max_pool1d_1_long", ["x"]) { $0["x"]!.adaptiveMaxPool1d(outputSize: 1) },
        Case("adaptive_max_pool1d_ties", ["x"]) { $0["x"]!.adaptiveMaxPool1d(outputSize: 2) },
        Case("max_pool2d_ties", ["x"]) { $0["x"]!.maxPool2d(kernelSize: 3, stride: 2, padding: 1) },
    ]

    /// Output within 1e-5 relative of PyTorch's float64 result; gradients within 1e-4 (oneDNN sums in a
    /// different order than a float64 reference, over more terms).
    @Test(arguments: cases)
    func matchesPyTorch(_ c: Case) throws {
        try checkFixtureCase(Self.file, c.name, inputs: c.inputs, rtol: c.rtol) { c.body($0) }
    }

    @Test func everyFixtureCaseIsChecked() {
        #expect(fixtureCaseNames(Self.file) == Set(Self.cases.map(\.name)))
    }

    // MARK: finite differences

    struct GradCase: CustomTestStringConvertible, Sendable {
        let name: String
        let shapes: [[Int]]
        /// Inputs on a shuffled grid (no two within 0.03), so a max never changes hands within a step.
        let distinct: Bool
        let op: @Sendable ([Tensor]) -> Tensor
        var testDescription: String { name }

        init(_ name: String, _ shapes: [[Int]], distinct: Bool = false, _ op: @escaping @Sendable ([Tensor]) -> Tensor) {
            self.name = name
            self.shapes = shapes
            self.distinct = distinct
            self.op = op
        }
    }

    static let gradCases: [GradCase] = [
        GradCase("conv1d", [[2, 3, 7], [4, 3, 3], [4]]) { $0[0].conv1d(weight: $0[1], bias: $0[2]) },
        GradCase("conv1d stride 2 padding 2 dilation 2", [[1, 2, 9], [3, 2, 2]]) {
            $0[0].conv1d(weight: $0[1], stride: 2, padding: 2, dilation: 2)
        },
        GradCase("conv1d groups 3", [[2, 3, 5], [6, 1, 2], [6]]) { $0[0].conv1d(weight: $0[1], bias: $0[2], groups: 3) },
        GradCase("conv2d", [[2, 2, 5, 4], [3, 2, 3, 2], [3]]) { $0[0].conv2d(weight: $0[1], bias: $0[2]) },
        GradCase("conv2d stride padding dilation", [[1, 2, 7, 6], [2, 2, 2, 3]]) {
            $0[0].conv2d(weight: $0[1], stride: [2, 1], padding: [1, 2], dilation: [2, 1])
        },
        GradCase("conv2d groups 2", [[1, 4, 4, 4], [2, 2, 3, 3], [2]]) {
            $0[0].conv2d(weight: $0[1], bias: $0[2], padding: 1, groups: 2)
        },
        GradCase("max pool 1d", [[2, 3, 9]], distinct: true) { $0[0].maxPool1d(kernelSize: 3, stride: 2, padding: 1) },
        GradCase("max pool 1d overlapping", [[1, 2, 8]], distinct: true) { $0[0].maxPool1d(kernelSize: 3, stride: 1) },
        GradCase("max pool 2d", [[2, 2, 6, 5]], distinct: true) { $0[0].maxPool2d(kernelSize: 2) },
        GradCase("max pool 2d padded", [[1, 2, 7, 6]], distinct: true) {
            $0[0].maxPool2d(kernelSize: [3, 2], stride: [2, 1], padding: 1)
        },
        GradCase("avg pool 1d", [[2, 3, 9]]) { $0[0].avgPool1d(kernelSize: 3, stride: 2, padding: 1) },
        GradCase("avg pool 2d", [[1, 2, 7, 6]]) { $0[0].avgPool2d(kernelSize: [3, 2], stride: [2, 1], padding: 1) },
        GradCase("adaptive max pool 1d, global", [[2, 3, 11]], distinct: true) { $0[0].adaptiveMaxPool1d(outputSize: 1) },
        GradCase("adaptive max pool 1d, 4 of 10", [[2, 2, 10]], distinct: true) { $0[0].adaptiveMaxPool1d(outputSize: 4) },
        GradCase("text cnn: conv, relu, global max", [[2, 4, 8], [3, 4, 3], [3]]) {
            $0[0].conv1d(weight: $0[1], bias: $0[2]).relu().adaptiveMaxPool1d(outputSize: 1)
        },
    ]

    @Test(arguments: gradCases)
    func gradientsMatchFiniteDifferences(_ c: GradCase) {
        let inputs = c.shapes.enumerated().map { n, shape in
            c.distinct ? distinctValues(shape, seed: UInt64(n + 11), offset: 0)
                       : awayFromZero(shape, seed: UInt64(n + 11))
        }
        checkGradients(inputs, c.name, c.op)
    }

    // MARK: sizes the fixtures cannot hold

    /// y[n, o, i, j] = b[o] + Σ x[n, c, i s - p + a d, j s - p + e d] w[o, c, a, e], in Double.
    static func directConv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor, stride: Int, padding: Int, dilation: Int) -> [Double] {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let oh = (h + 2 * padding - dilation * (kh - 1) - 1) / stride + 1
        let ow = (wd + 2 * padding - dilation * (kw - 1) - 1) / stride + 1
        let xs = x.scalars, ws = w.scalars, bs = b.scalars
        var y = [Double](repeating: 0, count: n * o * oh * ow)
        for ni in 0..<n {
            for oi in 0..<o {
                for i in 0..<oh {
                    for j in 0..<ow {
                        var total = Double(bs[oi])
                        for ci in 0..<c {
                            for a in 0..<kh {
                                let r = i * stride - padding + a * dilation
                                guard r >= 0, r < h else { continue }
                                for e in 0..<kw {
                                    let q = j * stride - padding + e * dilation
                                    guard q >= 0, q < wd else { continue }
                                    total += Double(xs[((ni * c + ci) * h + r) * wd + q]) *
                                        Double(ws[((oi * c + ci) * kh + a) * kw + e])
                                }
                            }
                        }
                        y[((ni * o + oi) * oh + i) * ow + j] = total
                    }
                }
            }
        }
        return y
    }

    /// Channel counts that fill oneDNN's 16-wide blocks and ones that do not, where it picks blocked layouts
    /// and reorders, and Winograd's shapes (stride 1, padding 0–2, odd sizes that leave half tiles), each
    /// computed both ways; checked against a direct loop, then gradients by the adjoint identity
    /// Σ conv(x, w) ⊙ gy = Σ x ⊙ gx = Σ w ⊙ gw (the convolution is linear in each of x and w).
    @Test(arguments: [(32, 48, 1, 1, 1), (19, 35, 2, 1, 1), (16, 16, 1, 2, 2), (64, 64, 2, 0, 1), (24, 20, 1, 0, 1),
                      (17, 33, 1, 2, 1), (3, 5, 1, 1, 1)], [ConvolutionAlgorithm.direct, .winograd])
    func largerShapesMatchDirectLoop(_ shape: (Int, Int, Int, Int, Int), _ algorithm: ConvolutionAlgorithm) {
        ConvolutionAlgorithm.using(algorithm) { checkAgainstDirectLoop(shape, algorithm) }
    }

    private func checkAgainstDirectLoop(_ shape: (Int, Int, Int, Int, Int), _ algorithm: ConvolutionAlgorithm) {
        let (inC, outC, stride, padding, dilation) = shape
        let x = randomTensor([2, inC, 13, 11], seed: 1)
        let w = randomTensor([outC, inC, 3, 3], seed: 2, low: -0.2, high: 0.2)
        let b = randomTensor([outC], seed: 3)
        let expected = Self.directConv2d(x, w, b, stride: stride, padding: padding, dilation: dilation)
        x.requiresGrad = true
        w.requiresGrad = true
        b.requiresGrad = true
        let y = x.conv2d(weight: w, bias: b, stride: Size2D(stride), padding: Size2D(padding),
                         dilation: Size2D(dilation))
        let expectedTensor = Tensor(expected.map { Float($0) }, shape: y.shape)
        expectClose(y, expectedTensor, rtol: 1e-5, atol: 1e-5, "conv2d \(shape) by \(algorithm) against a direct loop")

        let gy = randomTensor(y.shape, seed: 4)
        y.backward(gradient: gy)
        func dot(_ a: Tensor, _ b: Tensor) -> Double {
            zip(a.scalars, b.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let biasGrad = withNoGrad { gy.sum(axes: [0, 2, 3]) }
        expectClose(b.grad!, biasGrad, rtol: 1e-4, atol: 1e-4, "bias gradient")
        // Σ conv(x, w) ⊙ gy without the bias's share.
        let bilinear = zip(expected, gy.scalars).reduce(0) { $0 + $1.0 * Double($1.1) } - dot(b, biasGrad)
        #expect(Swift.abs(dot(x, x.grad!) - bilinear) <= 1e-4 * Swift.abs(bilinear) + 1e-3, "Σ x gx vs Σ y gy")
        #expect(Swift.abs(dot(w, w.grad!) - bilinear) <= 1e-4 * Swift.abs(bilinear) + 1e-3, "Σ w gw vs Σ y gy")
    }

    /// Winograd's gradients against finite differences, at channel counts the automatic choice would leave to
    /// oneDNN, with every padding it takes and sizes that end in half tiles.
    @Test(arguments: [([2, 3, 5, 6], 1, true), ([1, 2, 6, 5], 0, false), ([1, 2, 3, 4], 2, true)])
    func winogradGradientsMatchFiniteDifferences(_ input: [Int], _ padding: Int, _ bias: Bool) {
        let inputs = [awayFromZero(input, seed: 21), awayFromZero([4, input[1], 3, 3], seed: 22)] +
            (bias ? [awayFromZero([4], seed: 23)] : [])
        ConvolutionAlgorithm.using(.winograd) {
            checkGradients(inputs, "winograd conv2d \(input) padding \(padding)") {
                $0[0].conv2d(weight: $0[1], bias: $0.count > 2 ? $0[2] : nil, padding: Size2D(padding))
            }
        }
    }

    /// Winograd keeps the transform of the weights it last saw at an address; weights changed in place (as an
    /// optimizer step changes them), in one float or all, must be transformed again, forward and backward.
    @Test func weightsChangedInPlaceAreTransformedAgain() {
        let x = randomTensor([2, 20, 9, 10], seed: 31)
        let w = randomTensor([24, 20, 3, 3], seed: 32, low: -0.2, high: 0.2)
        let gy = randomTensor([2, 24, 9, 10], seed: 33)
        let changes: [(String, (UnsafeMutableBufferPointer<Float>) -> Void)] = [
            ("unchanged", { _ in }), ("last float", { $0[$0.count - 1] += 0.5 }),
            ("every float", { for i in $0.indices { $0[i] = -$0[i] } }),
        ]
        for (label, change) in changes {
            w.withUnsafeMutableBufferPointer(change)
            func run(_ algorithm: ConvolutionAlgorithm) -> (Tensor, Tensor) {
                ConvolutionAlgorithm.using(algorithm) {
                    let input = x.detached()
                    input.requiresGrad = true
                    let y = input.conv2d(weight: w, padding: 1)
                    y.backward(gradient: gy)
                    return (y.detached(), input.grad!)
                }
            }
            let (winograd, direct) = (run(.winograd), run(.direct))
            expectClose(winograd.0, direct.0, rtol: 1e-5, atol: 1e-5, "output, weights \(label)")
            expectClose(winograd.1, direct.1, rtol: 1e-5, atol: 1e-5, "input gradient, weights \(label)")
        }
    }

    /// The backward pass runs by the algorithm its forward pass ran by, even when `backward()` is called outside
    /// the scope: the gradients equal, to the bit, those of a pass run wholly inside it (Winograd's differ from
    /// oneDNN's in the last bits, so a backward pass by the other algorithm would show).
    @Test func backwardRunsByTheForwardPassesAlgorithm() {
        let x = randomTensor([2, 24, 9, 10], seed: 41)
        let w = randomTensor([32, 24, 3, 3], seed: 42, low: -0.2, high: 0.2)
        let gy = randomTensor([2, 32, 9, 10], seed: 43)
        for algorithm in [ConvolutionAlgorithm.direct, .winograd] {
            func gradients(backwardInside: Bool) -> [Float] {
                let input = x.detached()
                input.requiresGrad = true
                let y = ConvolutionAlgorithm.using(algorithm) {
                    let y = input.conv2d(weight: w, padding: 1)
                    if backwardInside { y.backward(gradient: gy) }
                    return y
                }
                if !backwardInside { ConvolutionAlgorithm.using(algorithm == .direct ? .winograd : .direct) { y.backward(gradient: gy) } }
                return input.grad!.scalars
            }
            #expect(gradients(backwardInside: false) == gradients(backwardInside: true), "\(algorithm)")
        }
    }

    /// The automatic choice: Winograd for im2markup's 3×3 layers, oneDNN where Winograd does not apply or its
    /// GEMMs would be too thin (the first layer's single input channel).
    @Test func automaticChoiceTakesWinogradWhereItPays() {
        func geometry(_ inC: Int, _ outC: Int, stride: Int = 1, kernel: Int = 3, padding: Int = 1, groups: Int = 1) -> ConvolutionGeometry {
            ConvolutionGeometry(batch: 20, inChannels: inC, outChannels: outC, groups: groups, inputSize: [16, 64],
                                outputSize: [(16 + 2 * padding - kernel) / stride + 1, (64 + 2 * padding - kernel) / stride + 1],
                                kernel: [kernel, kernel], stride: [stride, stride], padding: [padding, padding],
                                dilation: [1, 1], hasBias: true)
        }
        let backend = CPUBackend.shared
        for (inC, outC) in [(64, 128), (128, 256), (256, 256), (256, 512), (512, 512)] {
            #expect(backend.convolutionAlgorithm(geometry(inC, outC)) == .winograd, "\(inC)→\(outC)")
            #expect(backend.convolutionImplementations(geometry(inC, outC)).allSatisfy { $0.contains("winograd") })
        }
        #expect(backend.convolutionAlgorithm(geometry(1, 64)) == .direct)
        #expect(backend.convolutionAlgorithm(geometry(64, 64, stride: 2)) == .direct)
        #expect(backend.convolutionAlgorithm(geometry(64, 64, kernel: 5, padding: 2)) == .direct)
        #expect(backend.convolutionAlgorithm(geometry(64, 64, padding: 3)) == .direct)
        #expect(backend.convolutionAlgorithm(geometry(64, 64, groups: 2)) == .direct)
        ConvolutionAlgorithm.using(.direct) {
            #expect(backend.convolutionAlgorithm(geometry(256, 256)) == .direct)
        }
        ConvolutionAlgorithm.using(.winograd) {
            #expect(backend.convolutionAlgorithm(geometry(1, 64)) == .winograd)
        }
    }

    /// The text-CNN shape of bench/: oneDNN's 1-D kernels against the same convolution run as 2-D over a
    /// height-1 input, a different primitive.
    @Test func conv1dMatchesConv2dOfHeightOne() {
        let x = randomTensor([8, 64, 40], seed: 5)
        let w = randomTensor([100, 64, 3], seed: 6, low: -0.1, high: 0.1)
        let b = randomTensor([100], seed: 7)
        let y1 = x.conv1d(weight: w, bias: b, padding: 1)
        let y2 = x.unsqueezed(2).conv2d(weight: w.unsqueezed(2), bias: b, padding: [0, 1]).squeezed(2)
        #expect(y1.shape == [8, 100, 40])
        expectClose(y1, y2, rtol: 1e-5, atol: 1e-5, "conv1d vs conv2d")
    }

    /// Primitives are cached and shared between threads; each thread brings its own scratch space.
    @Test func concurrentCallsAgree() {
        let x = randomTensor([4, 24, 17, 9], seed: 8)
        let w = randomTensor([40, 24, 3, 3], seed: 9, low: -0.2, high: 0.2)
        let expected = x.conv2d(weight: w, padding: 1).scalars
        let results = Mutex<[[Float]]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { i in
            let y = i % 2 == 0 ? x.conv2d(weight: w, padding: 1) : x.conv2d(weight: w, stride: 2)
            if i % 2 == 0 { results.withLock { $0.append(y.scalars) } }
        }
        for result in results.withLock({ $0 }) { #expect(result == expected) }
    }

    /// Shapes beyond the cache's capacity evict the least recently used ones, and results stay right.
    @Test func cacheEvictsOldShapes() {
        let backend = CPUBackend.shared
        let x = randomTensor([2, 5, 9, 8], seed: 12)
        let w = randomTensor([6, 5, 3, 3], seed: 13, low: -0.3, high: 0.3)
        let b = randomTensor([6], seed: 14)
        backend.setConvolutionCacheCapacity(3)
        defer { backend.setConvolutionCacheCapacity(256) }
        for round in 0..<2 {
            for padding in 0..<6 {
                let y = x.conv2d(weight: w, bias: b, padding: Size2D(padding, 1))
                let expected = Self.directConv2dRect(x, w, b, padding: (padding, 1))
                expectClose(y, Tensor(expected.map { Float($0) }, shape: y.shape), rtol: 1e-5, atol: 1e-5,
                            "round \(round), padding \(padding)")
            }
        }
        // Other tests may hold an entry or two at this moment; without eviction there would be 6 or more.
        #expect(backend.convolutionCacheCount <= 5)
    }

    /// directConv2d with separate height and width padding (zeros written around x), stride and dilation 1.
    static func directConv2dRect(_ x: Tensor, _ w: Tensor, _ b: Tensor, padding: (Int, Int)) -> [Double] {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let padded = Tensor.zeros([n, c, h + 2 * padding.0, wd + 2 * padding.1])
        let xs = x.scalars
        padded.withUnsafeMutableBufferPointer { p in
            for plane in 0..<(n * c) {
                for i in 0..<h {
                    for j in 0..<wd {
                        p[(plane * (h + 2 * padding.0) + i + padding.0) * (wd + 2 * padding.1) + j + padding.1] =
                            xs[(plane * h + i) * wd + j]
                    }
                }
            }
        }
        return directConv2d(padded, w, b, stride: 1, padding: 0, dilation: 1)
    }

    @Test func noGradientWorkForInputsThatNeedNone() {
        let x = randomTensor([2, 3, 6], seed: 10)
        let w = randomTensor([4, 3, 3], seed: 11)
        w.requiresGrad = true
        let y = x.conv1d(weight: w)
        y.sum().backward()
        #expect(x.grad == nil)
        #expect(w.grad != nil)
        let unrecorded = withNoGrad { x.conv1d(weight: w) }
        #expect(!unrecorded.requiresGrad)
    }

    /// A NaN in a window wins, as in PyTorch; -∞ everywhere gives -∞ (padding never wins).
    @Test func maxPoolsPropagateNaN() {
        var values = [Float](repeating: 0.5, count: 40)
        values[7] = .nan
        values[30] = 2
        let x = Tensor(values, shape: [1, 1, 40])
        let global = x.adaptiveMaxPool1d(outputSize: 1).scalars
        #expect(global.count == 1)
        #expect(global[0].isNaN)
        let halves = x.adaptiveMaxPool1d(outputSize: 2).scalars
        #expect(halves[0].isNaN)
        #expect(halves[1] == 2)
        let windows = x.maxPool1d(kernelSize: 4).scalars
        #expect(windows[1].isNaN)
        #expect(windows[7] == 2)
        #expect(windows[0] == 0.5)
        let minusInfinity = -Float.infinity
        let padded = Tensor.full([1, 1, 3], minusInfinity).maxPool1d(kernelSize: 2, stride: 1, padding: 1).scalars
        #expect(padded == [Float](repeating: minusInfinity, count: 4))
    }

    @Test func size2DLiterals() {
        let square: Size2D = 3, rectangle: Size2D = [2, 1]
        #expect(square == Size2D(3, 3))
        #expect(rectangle.height == 2 && rectangle.width == 1)
    }

    // MARK: shape errors

    @Test func channelMismatchNamesOpAndShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3, 8, 8]).conv2d(weight: Tensor.zeros([4, 5, 3, 3]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("conv2d: weight [4, 5, 3, 3] expects 5 input channels, input [2, 3, 8, 8] has 3"))
    }

    @Test func tooSmallInputNamesOpAndShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([1, 2, 2]).conv1d(weight: Tensor.zeros([3, 2, 3]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("conv1d: input [1, 2, 2] is too small for weight [3, 2, 3]"))
    }

    /// Pooling windows that tile the plane take a vectorized path; it keeps PyTorch's rules: the first of
    /// equal maxima wins, a NaN wins (the last one), and the gradient goes to the winner. Checked against a
    /// plain loop on values with many ties and a few NaNs, for 2×2, 1×2 and 2×1 windows and a ragged edge.
    @Test(arguments: [[2, 2], [1, 2], [2, 1]])
    func tiledMaxPoolingKeepsTiesNaNsAndGradients(kernel: [Int]) {
        let (planes, height, width) = (3, 7, 9)
        let g = RandomGenerator(seed: 12)
        var values = (0..<(planes * height * width)).map { _ in Float(g.nextInt(below: 3)) }
        for at in [5, 40, 41, 100, 150] { values[at] = .nan }
        let x = Tensor(values, shape: [1, planes, height, width], requiresGrad: true)
        let y = x.maxPool2d(kernelSize: Size2D(kernel[0], kernel[1]))
        let (outH, outW) = (height / kernel[0], width / kernel[1])
        #expect(y.shape == [1, planes, outH, outW])
        var expected: [Float] = [], winners = [Float](repeating: 0, count: values.count)
        for p in 0..<planes {
            for oh in 0..<outH {
                for ow in 0..<outW {
                    var best = -Float.infinity, at = p * height * width + oh * kernel[0] * width + ow * kernel[1]
                    for h in (oh * kernel[0])..<((oh + 1) * kernel[0]) {
                        for w in (ow * kernel[1])..<((ow + 1) * kernel[1]) {
                            let i = p * height * width + h * width + w
                            if values[i] > best || values[i].isNaN { best = values[i]; at = i }
                        }
                    }
                    expected.append(best)
                    winners[at] += 1
                }
            }
        }
        #expect(zip(y.scalars, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        y.sum().backward()
        #expect(x.grad!.scalars == winners)
    }

    @Test func oversizedPoolPaddingIsReported() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([1, 2, 8, 8]).maxPool2d(kernelSize: 2, padding: 2)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("max_pool2d: padding (2, 2) must be between 0 and half the kernel size (2, 2)"))
    }
}
