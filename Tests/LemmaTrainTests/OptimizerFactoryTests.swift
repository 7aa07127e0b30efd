import LemmaNN
import LemmaTensor
import LemmaTrain
import Testing

/// Which parameters weight decay skips, seen through what one AdamW step does to them.
@Suite struct OptimizerFactoryTests {
    final class Holder: Module {
        let weight: Tensor
        init(_ value: Float) {
            weight = Tensor([value, value], shape: [2])
            super.init()
        }
    }

    final class Named: Module {
        let weight = Tensor([1, 1], shape: [2])
        let bias = Tensor([1, 1], shape: [2])
        let bias_ih_l0 = Tensor([1, 1], shape: [2])
        let norm = Holder(1)
        let final_norm = Holder(1)
        let LayerNorm = Holder(1)
        let normalizer = Holder(1)
        // A layer norm whose name says nothing (GPT-2's ln_1): exempt by type, as Hugging Face's Trainer does.
        let ln_1 = LemmaNN.LayerNorm(2)
    }

    @Test func decayFollowsHuggingFaceNames() throws {
        let model = Named()
        for p in model.parameters() { p.requiresGrad = true }
        var options = TrainingOptions()
        options.learningRate = 0.1
        options.weightDecay = 0.5
        let optimizer = try options.makeOptimizer(for: model)
        // Zero gradients: AdamW's Adam part moves nothing, so only decoupled decay (× (1 − 0.1 · 0.5)) shows.
        model.parameters().map { ($0 * 0).sum() }.reduce(Tensor(scalar: 0), +).backward()
        optimizer.step()
        let after = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.key, $0.tensor.scalars[0]) })
        #expect(after == ["weight": 0.95, "bias": 1, "bias_ih_l0": 1, "norm.weight": 1, "final_norm.weight": 1,
                          "LayerNorm.weight": 1, "normalizer.weight": 0.95, "ln_1.weight": 1, "ln_1.bias": 0])
    }
}
