import Foundation
import LemmaNN
import LemmaTensor
import Testing

final class Encoder: Module, UnaryLayer {
    let embedding = Embedding(10, 4, paddingIndex: 0, generator: RandomGenerator(seed: 1))
    let layers = [Linear(4, 4, generator: RandomGenerator(seed: 2)), Linear(4, 3, generator: RandomGenerator(seed: 3))]
    let norm: LayerNorm? = LayerNorm(3)
    let dropout = Dropout(0.5, generator: RandomGenerator(seed: 4))
    let scale = Tensor([2])

    func callAsFunction(_ input: Tensor) -> Tensor {
        norm!(layers[1](dropout(layers[0](input).relu()))) * scale
    }
}

struct ModuleTests {
    @Test func parametersAreFoundByPropertyNameWithPyTorchStyleKeys() {
        let keys = Encoder().namedParameters().map(\.key)
        #expect(keys == ["scale", "embedding.weight", "layers.0.weight", "layers.0.bias", "layers.1.weight",
                         "layers.1.bias", "norm.weight", "norm.bias"])
        #expect(Encoder().namedModules().map(\.key) == ["", "embedding", "layers.0", "layers.1", "norm", "dropout"])
    }

    @Test func evalModeTurnsDropoutOffThroughoutTheTree() {
        let model = Encoder()
        let x = Tensor.ones([2, 4])
        model.eval()
        #expect(model(x).scalars == model(x).scalars)
        model.train()
        #expect(model(x).scalars != model(x).scalars)
    }

    @Test func frozenParametersGetNoGradientAndAreNotTrainable() {
        let model = Encoder()
        model.embedding.freeze()
        #expect(!model.trainableParameters().contains { $0 === model.embedding.weight })
        let y = model.layers[0](model.embedding(IndexTensor([1, 2])))
        y.sum().backward()
        #expect(model.embedding.weight.grad == nil)
        #expect(model.layers[0].weight.grad != nil)
        #expect(model.parameterCount() - model.parameterCount(trainableOnly: true) == 40 + 1)  // and `scale`
    }

    @Test func pretrainedEmbeddingsAreCopiedAndFrozenByDefault() {
        let vectors = Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2])
        let embedding = Embedding(pretrained: vectors)
        #expect(!embedding.weight.requiresGrad)
        #expect(embedding(IndexTensor([2, 0])).scalars == [5, 6, 1, 2])
        #expect(Embedding(pretrained: vectors, freeze: false).weight.requiresGrad)
    }

    @Test func stateDictRoundTripsThroughSafetensors() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-module-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let source = Encoder(), target = Encoder()
        source.layers[1].weight.withUnsafeMutableBufferPointer { $0[0] = 42 }
        try source.save(to: url)
        let weightBefore = target.layers[1].weight
        try target.load(from: url)
        #expect(target.layers[1].weight === weightBefore)  // loaded in place: optimizers keep their references
        for (key, tensor) in source.stateDict() { #expect(target.stateDict()[key]!.scalars == tensor.scalars, "\(key)") }
    }

    @Test func mismatchedStateDictsAreClearErrorsAndChangeNothing() {
        let model = Encoder()
        var state = model.stateDict()
        let before = model.layers[0].weight.scalars
        state["layers.0.weight"] = Tensor.zeros([4, 4])
        state["layers.1.weight"] = Tensor.zeros([9])
        state["extra"] = Tensor.zeros([1])
        state["norm.bias"] = nil
        #expect(throws: StateDictError.self) { try model.loadStateDict(state) }
        do {
            try model.loadStateDict(state)
        } catch let error as StateDictError {
            #expect(error.message.contains("missing key 'norm.bias'"))
            #expect(error.message.contains("key 'layers.1.weight' has shape [9], the model expects [3, 4]"))
            #expect(error.message.contains("unexpected key 'extra'"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(model.layers[0].weight.scalars == before)
        state["layers.1.weight"] = model.layers[1].weight
        #expect(throws: Never.self) { try model.loadStateDict(state, strict: false) }
        #expect(model.layers[0].weight.scalars == [Float](repeating: 0, count: 16))
    }

    @Test func summaryListsShapesAndParameterCounts() {
        let model = Sequential(Linear(8, 16), ReLU(), Dropout(0.1), Linear(16, 3))
        model.layers[0].freeze()
        let text = model.summary(input: Tensor.zeros([5, 8]))
        #expect(text.contains("[5, 16]"))
        #expect(text.contains("[5, 3]"))
        #expect(text.contains("Total params: 195"))
        #expect(text.contains("Trainable params: 51"))
        #expect(text.contains("Frozen params: 144"))
    }

    /// Summaries and plain forward passes side by side on several threads: each summary sees only its own
    /// pass's shapes (the trace was one global once, and a forward pass elsewhere crashed into it).
    @Test func summariesOnSeveralThreadsKeepTheirOwnShapes() async {
        let failures = await withTaskGroup(of: Int.self) { group in
            for lane in 0..<4 {
                group.addTask {
                    let model = Sequential(Linear(4, 6 + lane), ReLU(), Linear(6 + lane, 2))
                    var failures = 0
                    for round in 0..<200 {
                        let rows = 1 + round % 7
                        if lane % 2 == 0 {
                            let text = model.summary(input: Tensor.zeros([rows, 4]))
                            if !text.contains("[\(rows), \(6 + lane)]") || !text.contains("[\(rows), 2]") { failures += 1 }
                        } else {
                            _ = withNoGrad { model(Tensor.zeros([rows, 4])) }
                        }
                    }
                    return failures
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
    }
}

struct DropoutTests {
    @Test func dropsAboutPAndRescalesTheRest() {
        let dropout = Dropout(0.3, generator: RandomGenerator(seed: 9))
        let y = dropout(Tensor.ones([20_000])).scalars
        let kept = y.filter { $0 != 0 }
        #expect(Swift.abs(Float(kept.count) / 20_000 - 0.7) < 0.02)
        #expect(kept.allSatisfy { Swift.abs($0 - 1 / 0.7) < 1e-6 })
    }

    @Test func gradientFlowsOnlyThroughKeptElements() {
        let dropout = Dropout(0.5, generator: RandomGenerator(seed: 3))
        let x = Tensor.ones([1000])
        x.requiresGrad = true
        let y = dropout(x)
        y.sum().backward()
        #expect(x.grad!.scalars == y.scalars)  // d/dx of mask·x/(1-p) is the same mask·1/(1-p)
    }
}

struct RecurrentDropoutTests {
    @Test func dropoutActsBetweenLayersOnlyInTraining() {
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, numLayers: 2, dropout: 0.5, generator: RandomGenerator(seed: 1))
        let x = Tensor.normal([5, 2, 3], generator: RandomGenerator(seed: 2))
        lstm.eval()
        let a = lstm(x).output.scalars, b = lstm(x).output.scalars
        #expect(a == b)
        lstm.train()
        #expect(lstm(x).output.scalars != a)
        // A single layer has no "between": training mode changes nothing.
        let single = LSTM(inputSize: 3, hiddenSize: 4, dropout: 0.5, generator: RandomGenerator(seed: 1))
        #expect(single(x).output.scalars == single(x).output.scalars)
    }
}

/// Buffers (BatchNorm's running statistics) travel with the state dict but are not parameters.
struct ModuleBufferTests {
    final class ConvBlock: Module {
        let conv = Conv2d(1, 2, kernelSize: 3, padding: 1, generator: RandomGenerator(seed: 1))
        let norm = BatchNorm(2)
    }

    @Test func buffersAreInTheStateDictButNotAmongTheParameters() {
        let block = ConvBlock()
        #expect(block.namedParameters().map(\.key) == ["conv.weight", "conv.bias", "norm.weight", "norm.bias"])
        #expect(block.namedBuffers().map(\.key) == ["norm.running_mean", "norm.running_var", "norm.num_batches_tracked"])
        #expect(Set(block.stateDict().keys) == Set(block.namedParameters().map(\.key) + block.namedBuffers().map(\.key)))
        block.freeze()
        block.unfreeze()
        #expect(block.namedBuffers().allSatisfy { !$0.tensor.requiresGrad })
    }

    @Test func runningStatisticsRoundTripThroughSafetensors() throws {
        let block = ConvBlock()
        _ = block.norm(block.conv(Tensor.uniform([2, 1, 4, 4], low: 0, high: 3, generator: RandomGenerator(seed: 2))))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("buffers-\(UInt32.random(in: 0...UInt32.max)).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try block.save(to: url)
        let restored = ConvBlock()
        try restored.load(from: url)
        #expect(restored.norm.runningMean.tensor.scalars == block.norm.runningMean.tensor.scalars)
        #expect(restored.norm.runningVariance.tensor.scalars == block.norm.runningVariance.tensor.scalars)
        #expect(restored.norm.runningMean.tensor.scalars != [0, 0])
        #expect(restored.norm.batchesTracked.tensor.item == 1)
    }
}
