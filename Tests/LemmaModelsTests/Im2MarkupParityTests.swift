import Foundation
import LemmaModels
import LemmaNN
import LemmaTensor
import Testing

/// im2markup's model against the PyTorch twin in scripts/im2latex_torch.py (fixtures from
/// scripts/make_im2latex_fixtures.py): teacher-forced logits, loss and every gradient in training mode,
/// BatchNorm's moved running statistics, then eval-mode logits; with and without the row encoder.
struct Im2MarkupParityTests {
    static let file = Result { try SafetensorsFile(url: Fixtures.url("im2markup_tiny.safetensors")) }

    func model(rowEncoder: Bool) -> Im2MarkupModel {
        var sizes = Im2MarkupModel.Sizes()
        sizes.cnnWidths = [4, 6, 8, 8, 10, 10]
        sizes.rowEncoderHidden = rowEncoder ? 5 : 0
        sizes.maxRows = 6
        sizes.embedding = 7
        sizes.decoderHidden = 9
        return Im2MarkupModel(vocabularySize: 11, sizes: sizes, bos: 1, eos: 2, pad: 0)
    }

    /// Loads case `name`'s parameters into `model`, then checks its teacher-forced logits, loss and every
    /// gradient against PyTorch's; returns the case's inputs and the logits.
    static func expectTrainingStepMatches(_ model: some FormulaReader, _ file: SafetensorsFile, _ name: String) throws
        -> (images: Tensor, inputs: IndexTensor, logits: Tensor) {
        try model.loadStateDict(try Fixtures.group(file, "\(name).param."))
        let images = try file.tensor("\(name).images")
        let inputs = try file.indices("\(name).inputs"), targets = try file.indices("\(name).targets")
        let logits = model(images, inputs: inputs)
        expectClose(logits, try file.tensor("\(name).logits"), rtol: 1e-4, atol: 1e-5, "\(name) logits")
        let loss = crossEntropy(logits.reshaped([10, 11]), targets.reshaped([10]), ignoreIndex: 0)
        expectClose(loss.reshaped([1]), try file.tensor("\(name).loss"), rtol: 1e-5, "\(name) loss")
        loss.backward()
        expectGradientsMatch(model, try Fixtures.group(file, "\(name).grad."), rtol: 1e-3, atol: 1e-5, name)
        return (images, inputs, logits)
    }

    @Test(arguments: ["row", "norow"])
    func logitsLossGradientsAndRunningStatisticsMatchPyTorch(_ name: String) throws {
        let file = try Self.file.get()
        let model = model(rowEncoder: name == "row")
        let (images, inputs, _) = try Self.expectTrainingStepMatches(model, file, name)
        let after = try Fixtures.group(file, "\(name).after.")
        #expect(after.count == 6)
        let state = model.stateDict()
        for (key, value) in after { expectClose(state[key], value, rtol: 1e-4, "\(name) \(key)") }
        model.eval()
        expectClose(withNoGrad { model(images, inputs: inputs) }, try file.tensor("\(name).eval.logits"), rtol: 1e-4, atol: 1e-5,
                    "\(name) eval logits")
    }

    @Test func finiteDifferencesThroughTheEncoderAndDecoder() {
        let model = model(rowEncoder: true)
        let images = Tensor.uniform([2, 1, 16, 16], low: 0, high: 1, generator: RandomGenerator(seed: 3))
        let inputs = IndexTensor([1, 5, 7, 1, 4, 10], shape: [2, 3])
        // One tensor of each part after the CNN, where the model is smooth (the CNN's ReLUs and max pools have
        // kinks a finite difference can straddle; its gradients are checked against PyTorch above and op by op).
        let keys = ["row_encoder.lstm.weight_hh_l0_reverse",
                    "row_encoder.initial_states.weight", "decoder.weight_ih_l0", "attention.weight", "attentional.weight",
                    "output.bias", "embedding.weight"]
        let state = model.stateDict()
        let failure = gradientCheck(keys.map { state[$0]! }) { _ in model(images, inputs: inputs).tanh() }
        #expect(failure == nil, "\(failure.map(String.init(describing:)) ?? "")")
    }

    func untrix(strips: Bool) -> UntrixModel {
        var sizes = UntrixModel.Sizes()
        sizes.cnnWidths = [3, 4, 5, 6, 6]
        (sizes.canvasWidth, sizes.canvasHeight) = (96, 64)
        sizes.strips = strips
        sizes.embedding = 7
        sizes.decoderHidden = 9
        sizes.layers = 2
        sizes.outputHidden = 8
        return UntrixModel(vocabularySize: 11, sizes: sizes, bos: 1, eos: 2, pad: 0)
    }

    /// Seed 003's model (scripts/im2latex_torch.py's `Untrix`): strips over an image centred on the canvas,
    /// and grid cells over an image larger than the canvas (shrunk first).
    @Test(arguments: ["strips", "nopool"])
    func untrixLogitsLossAndGradientsMatchPyTorch(_ name: String) throws {
        let file = try Self.file.get()
        let model = untrix(strips: name == "strips")
        let (images, inputs, logits) = try Self.expectTrainingStepMatches(model, file, name)
        // Decoding step by step gives the teacher-forced scores.
        var state = withNoGrad { model.encode(images) }
        for t in 0..<5 {
            let (scores, next) = withNoGrad { model.decode((0..<2).map { inputs.values[$0 * 5 + t] }, state: state) }
            state = next
            let expected = logits.slice(axis: 1, t..<(t + 1)).reshaped([2, 11])
            expectClose(scores, expected, rtol: 1e-4, atol: 1e-5, "\(name) step \(t)")
        }
    }

    @Test func finiteDifferencesThroughTheUntrixDecoder() {
        let model = untrix(strips: true)
        let images = Tensor.uniform([2, 1, 20, 40], low: 0, high: 1, generator: RandomGenerator(seed: 5))
        let inputs = IndexTensor([1, 5, 7, 1, 4, 10], shape: [2, 3])
        // Small tensors of each part after the CNN (whose max pools have kinks a finite difference can straddle;
        // the large attention matrices are checked against PyTorch above).
        let keys = ["decoder.0.peephole", "decoder.1.weight_hh", "decoder.0.bias", "attention_scores.bias", "attention_hidden.bias",
                    "init_heads.3.weight", "init_shared.bias", "output_hidden.1.weight", "embedding.weight"]
        let state = model.stateDict()
        let failure = gradientCheck(keys.map { state[$0]! }) { _ in model(images, inputs: inputs).tanh() }
        #expect(failure == nil, "\(failure.map(String.init(describing:)) ?? "")")
    }
}
