import LemmaData
import LemmaModels
import LemmaNN
import LemmaTensor
import Testing

/// What the presets promise beyond matching PyTorch on one batch: a sequence's logits do not depend on its
/// batch's padding, frozen vectors get no gradient, dropout acts only in training, and the seed's sizes.
struct ClassifierBehaviourTests {
    typealias Case = ClassifierParityTests.Case

    static func sequences(_ batch: Batch) -> [[Int32]] {
        let width = batch.ids.shape[1]
        return batch.lengths.enumerated().map { row, length in
            Array(batch.ids.values[(row * width)..<(row * width + length)])
        }
    }

    static func row(_ logits: Tensor, _ row: Int) -> Tensor { logits.slice(axis: 0, row..<(row + 1)) }

    @Test(arguments: ClassifierParityTests.cases) func paddingDoesNotChangeASequencesLogits(_ c: Case) throws {
        let model = try ClassifierParityTests.loadedModel(c)
        let fixedLength = (model as? MLPClassifier)?.fixedLength
        let batch = try ClassifierParityTests.fixtureBatch(padTo: fixedLength)
        let together = model.logits(batch)
        let sequences = Self.sequences(batch)
        for (i, sequence) in sequences.enumerated() {
            // Alone: padded to its own length (or the MLP's fixed one); the length-1 row is then shorter than
            // the CNN's widest filter.
            let alone = Collator(padID: 0, maxLength: fixedLength, padToMaxLength: fixedLength != nil).collate([sequence])
            expectClose(model.logits(alone), Self.row(together, i), rtol: 1e-5, atol: 1e-6, "\(c.name) row \(i) alone")
        }
        if fixedLength == nil {
            // Beside a much longer sequence: every row gains padding.
            let long = [Int32](repeating: 7, count: 11)
            let wider = Collator(padID: 0).collate(sequences + [long])
            let logits = model.logits(wider)
            for i in sequences.indices {
                expectClose(Self.row(logits, i), Self.row(together, i), rtol: 1e-5, atol: 1e-6, "\(c.name) row \(i) padded to 11")
            }
        }
    }

    @Test func frozenPretrainedVectorsGetNoGradientAndUnfrozenOnesDo() throws {
        for freeze in [true, false] {
            var sizes = ClassifierSizes(for: .mlp, vocabSize: 12, classCount: 3)
            sizes.pretrained = Tensor.normal([12, 4], generator: RandomGenerator(seed: 3))
            sizes.freezeEmbeddings = freeze
            (sizes.fixedLength, sizes.hiddenSize, sizes.seed) = (5, 6, 4)
            let model = ClassifierPreset(.mlp, sizes: sizes).make() as! MLPClassifier
            let batch = Collator(padID: 0, maxLength: 5, padToMaxLength: true).collate([[3, 4, 5], [1]], labels: [0, 2])
            model.loss(batch).backward()
            #expect(model.embeddings.weight.requiresGrad == !freeze)
            #expect((model.embeddings.weight.grad != nil) == !freeze, "freeze \(freeze)")
            #expect(model.trainableParameters().contains { $0 === model.embeddings.weight } == !freeze)
            #expect(model.dense1.weight.grad != nil)
            #expect(model.embeddings.weight.scalars == sizes.pretrained!.scalars, "the vectors are the given ones")
        }
    }

    @Test(arguments: ClassifierPreset.Architecture.allCases) func dropoutActsOnlyInTrainingMode(_ architecture: ClassifierPreset.Architecture) {
        var sizes = ClassifierSizes(for: architecture, vocabSize: 30, classCount: 4)
        (sizes.embeddingDim, sizes.hiddenSize, sizes.hiddenSizes, sizes.fixedLength) = (6, 8, [6, 5, 4], 7)
        (sizes.dropout, sizes.embeddingDropout, sizes.numLayers, sizes.seed) = (0.5, 0.5, 2, 9)
        let model = ClassifierPreset(architecture, sizes: sizes).make()
        let batch = Collator(padID: 0, maxLength: 7, padToMaxLength: true).collate([[1, 2, 3, 4], [5, 6], [7, 8, 9, 10, 11]])
        #expect(model.isTraining, "a new model starts in training mode")
        let first = model.logits(batch).scalars, second = model.logits(batch).scalars
        #expect(first != second, "\(architecture): dropout draws new masks each training step")
        model.eval()
        let evaluated = model.logits(batch).scalars
        #expect(evaluated == model.logits(batch).scalars, "\(architecture): evaluation is deterministic")
        #expect(evaluated != first && evaluated != second)
        model.train()
        #expect(model.logits(batch).scalars != evaluated, "\(architecture): train() turns dropout back on")
    }

    @Test func seededPresetsAreReproducible() {
        for architecture in ClassifierPreset.Architecture.allCases {
            var sizes = ClassifierSizes(for: architecture, vocabSize: 30, classCount: 4)
            (sizes.embeddingDim, sizes.fixedLength, sizes.hiddenSize, sizes.seed) = (6, 7, 8, 21)
            let a = ClassifierPreset(architecture, sizes: sizes).make(), b = ClassifierPreset(architecture, sizes: sizes).make()
            #expect(a.stateDict().keys.sorted() == b.stateDict().keys.sorted())
            for (key, tensor) in a.stateDict() {
                #expect(tensor.scalars == b.stateDict()[key]!.scalars, "\(architecture) \(key)")
            }
            #expect(a.classCount == 4)
        }
    }

    /// Seed 000's experiment log (run 17): BiLSTM(128) → BiLSTM(64) → LSTM(64) → Dense(6) over frozen 300-d vectors has
    /// 655,238 trainable parameters (its LSTMs are CuDNN's, with two bias vectors as in PyTorch).
    @Test func bilstmDefaultsHaveTheSeedsParameterCount() {
        var sizes = ClassifierSizes(for: .bilstm, vocabSize: 10, classCount: 6)
        sizes.pretrained = Tensor.zeros([10, 300])
        let model = ClassifierPreset(.bilstm, sizes: sizes).make()
        #expect(model.parameterCount(trainableOnly: true) == 655_238)
    }

    @Test func anEmptySequenceStillGetsLogits() throws {
        for c in ClassifierParityTests.cases where c.name != "mlp" {
            let model = try ClassifierParityTests.loadedModel(c)
            let logits = model.logits(Collator(padID: 0).collate([[3, 4], []]))
            #expect(logits.shape == [2, 3])
            #expect(logits.scalars.allSatisfy { $0.isFinite }, "\(c.name)")
        }
    }

    @Test func mlpNamesTheFixedLengthWhenABatchIsNotPaddedToIt() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var sizes = ClassifierSizes(for: .mlp, vocabSize: 10, classCount: 2)
            (sizes.embeddingDim, sizes.fixedLength, sizes.hiddenSize) = (3, 8, 4)
            _ = ClassifierPreset(.mlp, sizes: sizes).make().logits(Collator(padID: 0).collate([[1, 2, 3]]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("MLPClassifier: batches must be padded to the fixed length 8, got length 3"))
    }
}
