import LemmaTensor
import Testing

/// Every op against PyTorch: the same inputs from ops.safetensors, then the output and each input's
/// gradient (given PyTorch's upstream gradient `gy`) compared with PyTorch's float64 results.
struct PyTorchParityTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let inputs: [String]
        let rtol: Float
        let body: @Sendable ([String: Tensor], SafetensorsFile) throws -> Tensor
        var testDescription: String { name }

        init(_ name: String, _ inputs: [String], rtol: Float = 1e-5,
             _ body: @escaping @Sendable ([String: Tensor], SafetensorsFile) throws -> Tensor) {
            self.name = name
            self.inputs = inputs
            self.rtol = rtol
            self.body = body
        }

        init(_ name: String, _ input: String = "x", rtol: Float = 1e-5, _ body: @escaping @Sendable (Tensor) -> Tensor) {
            self.init(name, [input], rtol: rtol) { t, _ in body(t[input]!) }
        }
    }

    static let cases: [Case] = [
        Case("add", ["a", "b"]) { t, _ in t["a"]! + t["b"]! },
        Case("sub", ["a", "b"]) { t, _ in t["a"]! - t["b"]! },
        Case("mul", ["a", "b"]) { t, _ in t["a"]! * t["b"]! },
        Case("div", ["a", "b"]) { t, _ in t["a"]! / t["b"]! },
        Case("maximum", ["a", "b"]) { t, _ in t["a"]!.maximum(t["b"]!) },
        Case("pow_tensor", ["a", "b"]) { t, _ in t["a"]!.pow(t["b"]!) },
        Case("affine") { 3 * $0 - 1.5 },
        Case("exp") { $0.exp() },
        Case("tanh") { $0.tanh() },
        Case("sigmoid") { $0.sigmoid() },
        Case("relu") { $0.relu() },
        Case("gelu", rtol: 1e-5) { $0.gelu() },
        Case("gelu_tanh") { $0.geluTanh() },
        Case("abs") { $0.abs() },
        Case("neg") { -$0 },
        Case("square") { $0.squared() },
        Case("log") { $0.log() },
        Case("sqrt") { $0.sqrt() },
        Case("reciprocal") { $0.reciprocal() },
        Case("pow_scalar") { $0.pow(2.5) },
        Case("exp_wide") { $0.exp() },
        Case("log_wide") { $0.log() },
        Case("tanh_wide") { $0.tanh() },
        Case("sum_axis1") { $0.sum(axis: 1) },
        Case("sum_axes02_keep") { $0.sum(axes: [0, 2], keepDims: true) },
        Case("sum_all") { $0.sum() },
        Case("mean_last") { $0.mean(axis: -1) },
        Case("max_axis1", ["x"]) { t, file in
            let (values, indices) = t["x"]!.max(axis: 1)
            let expected = try file.indices("max_axis1.indices")
            #expect(indices == expected)
            return values
        },
        Case("logsumexp") { $0.logSumExp(axis: -1) },
        Case("topk_mid", ["x"]) { t, file in
            let (values, indices) = t["x"]!.topK(3, axis: 1)
            let expected = try file.indices("topk_mid.indices")
            #expect(indices == expected)
            return values
        },
        Case("topk_wide", ["x"]) { t, file in
            let (values, indices) = t["x"]!.topK(70, axis: 1)
            let expected = try file.indices("topk_wide.indices")
            #expect(indices == expected)
            return values
        },
        Case("softmax_last") { $0.softmax(axis: -1) },
        Case("softmax_mid") { $0.softmax(axis: 1) },
        Case("log_softmax_last") { $0.logSoftmax(axis: -1) },
        Case("log_softmax_mid") { $0.logSoftmax(axis: 1) },
        Case("matmul_2d", ["a", "b"]) { t, _ in t["a"]!.matmul(t["b"]!) },
        Case("matmul_fold", ["a", "b"]) { t, _ in t["a"]!.matmul(t["b"]!) },
        Case("matmul_batched", ["a", "b"]) { t, _ in t["a"]!.matmul(t["b"]!) },
        Case("matmul_vec", ["a", "b"]) { t, _ in t["a"]!.matmul(t["b"]!) },
        Case("linear", ["x", "w", "b"]) { t, _ in t["x"]!.linear(weight: t["w"]!, bias: t["b"]!) },
        Case("permute") { $0.permuted([2, 0, 1]) },
        Case("transpose") { $0.transposed(-2, -1) },
        Case("slice") { $0.slice(axis: 1, 1..<4) },
        Case("concat", ["a", "b"]) { t, _ in Tensor.concat([t["a"]!, t["b"]!], axis: 1) },
        Case("stack", ["a", "b"]) { t, _ in Tensor.stack([t["a"]!, t["b"]!], axis: 1) },
        Case("expand") { $0.expanded(to: [4, 3, 5]) },
        Case("index_select", ["w"]) { t, file in t["w"]!.indexSelect(try file.indices("index_select.indices")) },
        Case("gather", ["x"]) { t, file in t["x"]!.gather(axis: 1, try file.indices("gather.indices")) },
        Case("scatter_add", ["x", "src"]) { t, file in
            t["x"]!.scatterAdding(axis: 1, try file.indices("scatter_add.indices"), t["src"]!)
        },
        Case("where", ["a", "b"]) { t, file in Tensor.select(try file.tensor("where.cond"), t["a"]!, t["b"]!) },
        Case("masked_fill", ["x"]) { t, file in t["x"]!.maskedFill(try file.tensor("masked_fill.mask"), -1e4) },
    ]

    @Test(arguments: cases)
    func matchesPyTorch(_ c: Case) throws {
        let file = Fixtures.ops
        try checkFixtureCase(file, c.name, inputs: c.inputs, rtol: c.rtol) { try c.body($0, file) }
    }

    @Test func everyFixtureCaseIsChecked() {
        #expect(fixtureCaseNames(Fixtures.ops) == Set(Self.cases.map(\.name)))
    }
}
