import Foundation
import Lemma

/// im2latex at im2markup's sizes (Deng et al. 2017: CNN 64…512 with BatchNorm, row encoder 2×256, decoder
/// LSTM 512, embedding 80) on a batch of 20 grey 64×256 images (a bucket of the processed data) and a
/// 500-token vocabulary: the CNN encoder's forward and backward (training mode), a whole training step
/// (teacher-forced loss over 40 target tokens, backward, Adam), and beam-5 decoding of one image for 40
/// steps (no stop token, so both sides do the same work). bench/im2latex_torch_bench.py is PyTorch's side.
func benchIm2Latex() {
    let generator = RandomGenerator(seed: 21)
    let model = Im2MarkupModel(vocabularySize: 500, bos: 1, eos: 2, pad: 0, generator: generator)
    let images = Tensor.uniform([20, 1, 64, 256], low: 0, high: 1, generator: generator)
    if matchesFilter("encoder") {
        let seconds = measure(repeats: repeats, inner: 1) {
            model.cnn(images).sum().backward()
            model.zeroGrad()
        }
        report(["workload": "im2latex CNN encoder fwd+bwd, batch 20, 64×256", "impl": "lemma", "ms_per_step": seconds * 1e3])
    }
    // The two recurrent parts of a step on their own, inputs requiring gradients as in training: the row
    // encoder over the CNN's [20, 512, 8, 32] features, and the decoder's 40 teacher-forced steps over
    // their [20, 256, 512] memory (loss, backward).
    if matchesFilter("rows") {
        let features = Tensor.normal([20, 512, 8, 32], generator: generator)
        features.requiresGrad = true
        let seconds = measure(repeats: repeats, inner: 1) {
            model.rowEncoder!(features).sum().backward()
            model.zeroGrad()
            features.grad = nil
        }
        report(["workload": "im2latex row encoder fwd+bwd, batch 20, 8×32 grid", "impl": "lemma", "ms_per_step": seconds * 1e3])
    }
    if matchesFilter("decoder") {
        let memory = Tensor.normal([20, 256, 512], generator: generator)
        memory.requiresGrad = true
        let (inputs, targets) = teacherForcedTokens(generator)
        let seconds = measure(repeats: repeats, inner: 1) {
            let scores = model.teacherForced(from: model.start(memory: memory, gridHeight: 8, gridWidth: 32), inputs: inputs)
            crossEntropy(scores.reshaped([800, 500]), targets.reshaped([800]), ignoreIndex: 0).backward()
            model.zeroGrad()
            memory.grad = nil
        }
        report(["workload": "im2latex decoder fwd+bwd, batch 20, 40 tokens over 256 positions", "impl": "lemma",
                "ms_per_step": seconds * 1e3])
    }
    if matchesFilter("step") {
        let (inputs, targets) = teacherForcedTokens(generator)
        let optimizer = try! Adam(model.parameters(), AdamOptions(learningRate: 1e-4))
        let (seconds, phases, _) = measureTrainingSteps(repeats: repeats, inner: 1, optimizer: optimizer) {
            crossEntropy(model(images, inputs: inputs).reshaped([800, 500]), targets.reshaped([800]), ignoreIndex: 0)
        }
        report(["workload": "im2latex training step (im2markup), batch 20, 64×256, 40 tokens", "impl": "lemma",
                "ms_per_step": seconds * 1e3, "forward_ms": phases[0], "backward_ms": phases[1], "optimizer_ms": phases[2]])
    }
    if matchesFilter("beam") {
        model.eval()
        let one = images.slice(axis: 0, 0..<1)
        var options = DecodingOptions(maxNewTokens: 40)
        options.beams = 5
        let seconds = measure(repeats: repeats, inner: 1) {
            _ = try! withNoGrad { try model.generate(one, options: options) }
        }
        model.train()
        report(["workload": "im2latex beam-5 decoding, one 64×256 image, 40 steps", "impl": "lemma", "ms_per_step": seconds * 1e3])
    }
}

/// Random decoder inputs and targets [20, 40] for a 500-token vocabulary (ids 3…499: no pad, BOS or EOS).
private func teacherForcedTokens(_ generator: RandomGenerator) -> (inputs: IndexTensor, targets: IndexTensor) {
    let ids = (0..<(20 * 41)).map { _ in Int32(3 + generator.nextInt(below: 497)) }
    let inputs = IndexTensor((0..<20).flatMap { b in ids[(b * 41)..<(b * 41 + 40)] }, shape: [20, 40])
    let targets = IndexTensor((0..<20).flatMap { b in ids[(b * 41 + 1)..<(b * 41 + 41)] }, shape: [20, 40])
    return (inputs, targets)
}
