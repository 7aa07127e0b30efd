import LemmaData
import LemmaModels
import LemmaNN
import LemmaTensor
import Testing

/// The classifier presets against PyTorch (scripts/make_classifier_fixtures.py): each model is built from its
/// preset, loads the PyTorch module's state dict by its own keys (strictly, so every key must match), and
/// in eval mode must give PyTorch's logits and loss on a padded batch, and the loss's gradient for every
/// trainable parameter.
struct ClassifierParityTests {
    static let file = try! SafetensorsFile(url: Fixtures.url("classifiers.safetensors"))

    /// The fixture's batch, padded again by Lemma's collator from the sequences' real tokens.
    static func fixtureBatch(padTo fixedLength: Int? = nil) throws -> Batch {
        let ids = try file.indices("batch.ids"), lengths = try file.indices("batch.lengths").values
        let width = ids.shape[1]
        let sequences = lengths.enumerated().map { row, length in
            Array(ids.values[(row * width)..<(row * width + Int(length))])
        }
        let labels = try file.indices("batch.labels").values.map { Int($0) }
        let collator = Collator(padID: 0, maxLength: fixedLength, padToMaxLength: fixedLength != nil)
        let batch = collator.collate(sequences, labels: labels)
        #expect(batch.ids == ids, "the collator pads as the fixture does")
        return batch
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let preset: @Sendable () -> ClassifierPreset
        var testDescription: String { name }
    }

    /// The sizes of each case in the fixture script.
    static let cases: [Case] = {
        func preset(_ architecture: ClassifierPreset.Architecture, _ change: @escaping @Sendable (inout ClassifierSizes) -> Void)
            -> @Sendable () -> ClassifierPreset {
            {
                var sizes = ClassifierSizes(for: architecture, vocabSize: 20, classCount: 3)
                sizes.embeddingDim = 5
                sizes.paddingIndex = 0
                change(&sizes)
                return ClassifierPreset(architecture, sizes: sizes)
            }
        }
        return [
            Case(name: "mlp", preset: preset(.mlp) {
                $0.pretrained = Tensor.zeros([20, 4])
                $0.paddingIndex = nil
                $0.fixedLength = 6
                $0.hiddenSize = 10
            }),
            Case(name: "cnn", preset: preset(.cnn) {
                $0.numFilters = 3
                $0.filterSizes = [2, 3, 5]
                $0.convolutionPadding = 1
                $0.dropout = 0.3
            }),
            Case(name: "rnn_tanh_stack", preset: preset(.rnn) {
                $0.hiddenSize = 6
                $0.numLayers = 2
                $0.dropout = 0.3
            }),
            Case(name: "rnn_relu_bi", preset: preset(.rnn) {
                $0.hiddenSize = 4
                $0.bidirectional = true
                $0.reluNonlinearity = true
                $0.dropout = 0.3
            }),
            Case(name: "gru_bi", preset: preset(.gru) {
                $0.hiddenSize = 5
                $0.bidirectional = true
                $0.dropout = 0.3
            }),
            Case(name: "lstm_bi_stack", preset: preset(.lstm) {
                $0.hiddenSize = 4
                $0.numLayers = 2
                $0.bidirectional = true
                $0.dropout = 0.3
            }),
            Case(name: "bilstm", preset: preset(.bilstm) { $0.hiddenSizes = [6, 5, 4] }),
        ]
    }()

    /// A case's model with PyTorch's weights, in eval mode.
    static func loadedModel(_ c: Case) throws -> any TextClassifier {
        let model = c.preset().make()
        try model.loadStateDict(try Fixtures.group(file, "\(c.name).param."))
        model.eval()
        return model
    }

    @Test(arguments: cases) func logitsLossAndGradientsMatchPyTorch(_ c: Case) throws {
        let model = try Self.loadedModel(c)
        let batch = try Self.fixtureBatch()
        let logits = model.logits(batch)
        expectClose(logits, try Self.file.tensor("\(c.name).logits"), rtol: 1e-5, atol: 1e-5, "\(c.name) logits")
        let loss = model.loss(batch)
        expectClose(loss, try Self.file.tensor("\(c.name).loss"), rtol: 1e-5, atol: 1e-5, "\(c.name) loss")

        loss.backward()
        let expected = try Fixtures.group(Self.file, "\(c.name).grad.")
        let trainable = model.namedParameters().filter { $0.tensor.requiresGrad }
        #expect(Set(trainable.map(\.key)) == Set(expected.keys), "\(c.name): trainable parameters are PyTorch's")
        for (key, parameter) in trainable {
            guard let gradient = expected[key] else { continue }
            expectClose(parameter.grad, gradient, rtol: 1e-4, atol: 1e-4, "\(c.name) grad \(key)")
        }
    }
}
