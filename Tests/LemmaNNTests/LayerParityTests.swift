import LemmaNN
import LemmaTensor
import Testing

/// Layers against PyTorch: parameters loaded by PyTorch's own state-dict keys, then outputs and every
/// gradient (input, parameters, initial states) compared with torch's float64 results.
struct LayerParityTests {
    let file = Fixtures.layers

    /// Loads the case's parameters (which checks the key names), returns the expected gradients by key.
    func load(_ module: Module, _ name: String) throws {
        try module.loadStateDict(try Fixtures.group(file, "\(name).param."))
    }

    func checkParameterGradients(_ module: Module, _ name: String) throws {
        let expected = try Fixtures.group(file, "\(name).grad.param.")
        #expect(!expected.isEmpty)
        let own = module.stateDict()
        for (key, gradient) in expected {
            expectClose(own[key]?.grad, gradient, rtol: 1e-4, atol: 1e-5, "\(name) grad \(key)")
        }
    }

    func checkUnary(_ name: String, _ module: some UnaryLayer) throws {
        try load(module, name)
        let x = try file.tensor("\(name).x")
        x.requiresGrad = true
        let y = module(x)
        expectClose(y, try file.tensor("\(name).y"), "\(name) output")
        y.backward(gradient: try file.tensor("\(name).gy"))
        expectClose(x.grad, try file.tensor("\(name).grad.x"), rtol: 1e-4, "\(name) grad x")
        try checkParameterGradients(module, name)
    }

    @Test func linear() throws {
        try checkUnary("linear", Linear(5, 3))
        try checkUnary("linear_nobias", Linear(5, 3, bias: false))
    }

    @Test func convolutionLayersAndASequentialTextCNN() throws {
        try checkUnary("conv1d", Conv1d(4, 6, kernelSize: 3, stride: 2, padding: 1))
        try checkUnary("conv2d", Conv2d(3, 5, kernelSize: [3, 2], padding: [1, 0], dilation: [2, 1]))
        // nn.Sequential's keys are positions: 0.weight, 4.bias, …
        try checkUnary("text_cnn", Sequential(Conv1d(4, 6, kernelSize: 3), ReLU(), AdaptiveMaxPool1d(1), Flatten(), Linear(6, 2)))
    }

    @Test func layerNorm() throws {
        try checkUnary("layer_norm", LayerNorm(6))
        try checkUnary("layer_norm_2d", LayerNorm([3, 4], eps: 1e-3))
    }

    @Test func batchNormTrainsOnBatchStatisticsMovesItsRunningStatisticsAndEvaluatesWithThem() throws {
        let bn = BatchNorm(4, eps: 1e-4, momentum: 0.2)
        try checkUnary("batch_norm", bn)
        expectClose(bn.runningMean.tensor, try file.tensor("batch_norm.after.running_mean"), "running mean")
        expectClose(bn.runningVariance.tensor, try file.tensor("batch_norm.after.running_var"), "running variance")
        #expect(bn.batchesTracked.tensor.item == 1)
        bn.eval()
        let before = bn.runningMean.tensor.scalars
        expectClose(bn(try file.tensor("batch_norm.eval.x")), try file.tensor("batch_norm.eval.y"), "eval output")
        #expect(bn.runningMean.tensor.scalars == before, "evaluation leaves the running statistics alone")
        #expect(bn.batchesTracked.tensor.item == 1)
    }

    @Test func embeddingWithPaddingIndex() throws {
        let embedding = Embedding(7, 4, paddingIndex: 0)
        try load(embedding, "embedding")
        let ids = try file.indices("embedding.x")
        let y = embedding(ids)
        expectClose(y, try file.tensor("embedding.y"), "embedding output")
        y.backward(gradient: try file.tensor("embedding.gy"))
        try checkParameterGradients(embedding, "embedding")
        #expect(Array(embedding.weight.grad!.scalars.prefix(4)) == [0, 0, 0, 0])
    }

    struct RecurrentCase: CustomTestStringConvertible, Sendable {
        let name: String
        let make: @Sendable () -> Recurrent
        var testDescription: String { name }
    }

    static let recurrentCases: [RecurrentCase] = {
        var cases: [RecurrentCase] = []
        let kinds: [(String, @Sendable (Int, Int, Int, Bool, Bool) -> Recurrent)] = [
            ("lstm", { LSTM(inputSize: $0, hiddenSize: $1, numLayers: $2, batchFirst: $3, bidirectional: $4) }),
            ("gru", { GRU(inputSize: $0, hiddenSize: $1, numLayers: $2, batchFirst: $3, bidirectional: $4) }),
            ("rnn", { RNN(inputSize: $0, hiddenSize: $1, numLayers: $2, batchFirst: $3, bidirectional: $4) }),
        ]
        for (kind, make) in kinds {
            cases.append(RecurrentCase(name: "\(kind)_basic") { make(4, 5, 1, false, false) })
            cases.append(RecurrentCase(name: "\(kind)_stack_bi") { make(4, 5, 2, true, true) })
            cases.append(RecurrentCase(name: "\(kind)_lengths") { make(3, 4, 2, true, true) })
        }
        cases.append(RecurrentCase(name: "rnn_relu") { RNN(inputSize: 3, hiddenSize: 4, relu: true) })
        cases.append(RecurrentCase(name: "lstm_nobias") { LSTM(inputSize: 3, hiddenSize: 4, bias: false) })
        return cases
    }()

    @Test(arguments: recurrentCases)
    func recurrent(_ c: RecurrentCase) throws {
        let name = c.name
        let module = c.make()
        try load(module, name)
        let x = try file.tensor("\(name).x")
        x.requiresGrad = true
        let lengths = file.entries["\(name).lengths"] != nil ? try file.indices("\(name).lengths").values.map(Int.init) : nil
        var initial: RecurrentState?
        if file.entries["\(name).h0"] != nil {
            let h0 = try file.tensor("\(name).h0")
            let c0 = file.entries["\(name).c0"] != nil ? try file.tensor("\(name).c0") : nil
            h0.requiresGrad = true
            c0?.requiresGrad = true
            initial = RecurrentState(hidden: h0, cell: c0)
        }
        let (y, state) = module(x, lengths: lengths, initialState: initial)
        expectClose(y, try file.tensor("\(name).y"), "\(name) output")
        expectClose(state.hidden, try file.tensor("\(name).h_n"), "\(name) h_n")
        var loss = (y * (try file.tensor("\(name).gy"))).sum() + (state.hidden * (try file.tensor("\(name).gh"))).sum()
        if let cell = state.cell {
            expectClose(cell, try file.tensor("\(name).c_n"), "\(name) c_n")
            loss = loss + (cell * (try file.tensor("\(name).gc"))).sum()
        }
        loss.backward()
        expectClose(x.grad, try file.tensor("\(name).grad.x"), rtol: 1e-4, "\(name) grad x")
        if let initial {
            expectClose(initial.hidden.grad, try file.tensor("\(name).grad.h0"), rtol: 1e-4, "\(name) grad h0")
            if let c0 = initial.cell { expectClose(c0.grad, try file.tensor("\(name).grad.c0"), rtol: 1e-4, "\(name) grad c0") }
        }
        try checkParameterGradients(module, name)
    }
}
