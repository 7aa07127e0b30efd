import LemmaNN
import LemmaTensor
import Testing

/// Finite-difference checks of the recurrent and attention layers, through inputs, initial states and
/// parameters (beyond the PyTorch comparison, an independent check of the fused backward passes).
struct LayerGradientCheckTests {
    func expectGradients(_ label: String, _ inputs: [Tensor], sourceLocation: SourceLocation = #_sourceLocation,
                         _ f: ([Tensor]) -> Tensor) {
        let failure = gradientCheck(inputs, f)
        #expect(failure == nil, "\(label): \(failure.map(String.init(describing:)) ?? "")", sourceLocation: sourceLocation)
    }

    static let cells: [(String, @Sendable () -> Recurrent)] = [
        ("lstm", { LSTM(inputSize: 3, hiddenSize: 4, numLayers: 2, batchFirst: true, bidirectional: true, generator: RandomGenerator(seed: 1)) }),
        ("gru", { GRU(inputSize: 3, hiddenSize: 4, numLayers: 2, batchFirst: true, bidirectional: true, generator: RandomGenerator(seed: 2)) }),
        ("rnn", { RNN(inputSize: 3, hiddenSize: 4, numLayers: 1, batchFirst: true, bidirectional: true, generator: RandomGenerator(seed: 3)) }),
    ]

    @Test(arguments: 0..<3)
    func recurrentLayerWithLengthsAndInitialState(_ which: Int) {
        let (name, make) = Self.cells[which]
        let layer = make()
        let x = Tensor.uniform([3, 5, 3], low: -1, high: 1, generator: RandomGenerator(seed: 4))
        let h0 = Tensor.uniform([layer.numLayers * 2, 3, 4], low: -0.5, high: 0.5, generator: RandomGenerator(seed: 5))
        let c0 = Tensor.uniform([layer.numLayers * 2, 3, 4], low: -0.5, high: 0.5, generator: RandomGenerator(seed: 6))
        let isLSTM = layer.cell == .lstm
        let parameters = layer.parameters()
        expectGradients(name, [x, h0] + (isLSTM ? [c0] : []) + parameters) { t in
            let state = RecurrentState(hidden: t[1], cell: isLSTM ? t[2] : nil)
            let (y, final) = layer(t[0], lengths: [5, 2, 4], initialState: state)
            return Tensor.concat([y.reshaped([-1]), final.hidden.reshaped([-1])] + (final.cell.map { [$0.reshaped([-1])] } ?? []), axis: 0)
        }
    }

    @Test func batchNormInTrainingAndEvaluation() {
        let bn = BatchNorm(3)
        let x = Tensor.uniform([2, 3, 4, 2], low: -1, high: 2, generator: RandomGenerator(seed: 40))
        let weight = Tensor.uniform([3], low: 0.5, high: 1.5, generator: RandomGenerator(seed: 41))
        let bias = Tensor.uniform([3], low: -0.5, high: 0.5, generator: RandomGenerator(seed: 42))
        for training in [true, false] {
            expectGradients("batch_norm training \(training)", [x, weight, bias]) { t in
                t[0].batchNorm(runningMean: bn.runningMean.tensor, runningVariance: bn.runningVariance.tensor, weight: t[1],
                               bias: t[2], training: training, momentum: 0.1, eps: 1e-5)
            }
        }
        // Without the affine parameters or running statistics, on [N, C] (one value per sample and channel).
        let rows = Tensor.uniform([5, 3], low: -1, high: 2, generator: RandomGenerator(seed: 43))
        expectGradients("batch_norm [N, C] without affine", [rows]) { t in
            t[0].batchNorm(runningMean: nil, runningVariance: nil, training: true)
        }
    }

    @Test func multiheadAttentionWithMasks() {
        let mha = MultiheadAttention(embedDim: 4, numHeads: 2, generator: RandomGenerator(seed: 7))
        let q = Tensor.uniform([2, 3, 4], low: -1, high: 1, generator: RandomGenerator(seed: 8))
        let kv = Tensor.uniform([2, 3, 4], low: -1, high: 1, generator: RandomGenerator(seed: 9))
        let padding = Tensor([0, 0, 1, 0, 0, 0], shape: [2, 3])
        expectGradients("mha", [q, kv] + mha.parameters()) { t in
            mha(query: t[0], key: t[1], value: t[1], keyPadding: padding, causal: true).output
        }
    }

    @Test func causalAttentionInBlocksEqualsTheWholeSquareAndDifferentiates() {
        let q = Tensor.uniform([2, 2, 10, 3], low: -1, high: 1, generator: RandomGenerator(seed: 30))
        let k = Tensor.uniform([2, 2, 10, 3], low: -1, high: 1, generator: RandomGenerator(seed: 31))
        let v = Tensor.uniform([2, 2, 10, 3], low: -1, high: 1, generator: RandomGenerator(seed: 32))
        let whole = scaledDotProductAttention(query: q, key: k, value: v, causal: true).output
        for block in [1, 3, 4, 9] {
            let blocked = causalAttention(query: q, key: k, value: v, block: block)
            #expect(blocked.closeness(to: whole, rtol: 1e-6, atol: 1e-6).isClose, "blocks of \(block)")
        }
        // Queries aligned to the last keys, as with a cache: 4 new positions after 6 cached ones.
        let tail = scaledDotProductAttention(query: q.slice(axis: 2, 6..<10), key: k, value: v, causal: true).output
        #expect(causalAttention(query: q.slice(axis: 2, 6..<10), key: k, value: v, block: 3)
            .closeness(to: tail, rtol: 1e-6, atol: 1e-6).isClose)
        expectGradients("causal attention in blocks of 3", [q, k, v]) { t in causalAttention(query: t[0], key: t[1], value: t[2], block: 3) }
    }

    @Test func transformerBlockAndRecurrentAttention() {
        let block = TransformerBlock(embedDim: 4, numHeads: 2, feedForwardDim: 6, dropout: 0, gelu: true,
                                     normFirst: true, generator: RandomGenerator(seed: 10))
        let x = Tensor.uniform([2, 3, 4], low: -1, high: 1, generator: RandomGenerator(seed: 11))
        expectGradients("block", [x] + block.parameters()) { t in block(t[0]) }

        let additive = AdditiveAttention(queryDim: 3, keyDim: 4, attentionDim: 5, generator: RandomGenerator(seed: 12))
        let query = Tensor.uniform([2, 3], low: -1, high: 1, generator: RandomGenerator(seed: 13))
        let keys = Tensor.uniform([2, 4, 4], low: -1, high: 1, generator: RandomGenerator(seed: 14))
        expectGradients("additive", [query, keys] + additive.parameters()) { t in
            additive(query: t[0], keys: t[1], values: t[1]).context
        }
    }

    @Test(arguments: [false, true])
    func transformerDecoderBlockWholeAndCached(_ normFirst: Bool) {
        let block = TransformerDecoderBlock(embedDim: 4, numHeads: 2, feedForwardDim: 6, dropout: 0, normFirst: normFirst,
                                            generator: RandomGenerator(seed: 20))
        let target = Tensor.uniform([2, 3, 4], low: -1, high: 1, generator: RandomGenerator(seed: 21))
        let memory = Tensor.uniform([2, 4, 4], low: -1, high: 1, generator: RandomGenerator(seed: 22))
        let padding = Tensor([0, 0, 0, 1, 0, 0, 0, 0], shape: [2, 4])
        expectGradients("decoder block", [target, memory] + block.parameters()) { t in
            block(t[0], memory: t[1], memoryPadding: padding)
        }
        // Two cached steps: the second position's gradient flows through the cache of the first.
        expectGradients("decoder block steps", [target, memory] + block.parameters()) { t in
            let (keys, values) = block.memoryProjections(t[1])
            var cache = KeyValueCache()
            let first = block.step(t[0].slice(axis: 1, 0..<1), cache: &cache, memoryKeys: keys, memoryValues: values, memoryPadding: padding)
            let second = block.step(t[0].slice(axis: 1, 1..<2), cache: &cache, memoryKeys: keys, memoryValues: values, memoryPadding: padding)
            return Tensor.concat([first, second], axis: 1)
        }
    }
}
