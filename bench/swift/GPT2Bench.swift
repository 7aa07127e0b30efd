import Foundation
import Lemma

/// GPT-2 124M (Hugging Face's default config, dropout off, fresh weights) training steps with AdamW at batch 4 ×
/// 256 and 1 × 1024 tokens (`--only B4` / `--only B1`), and sampling with the key/value cache at batch 1 and 8
/// (`gpt2-sample`). bench/gpt2_torch.py runs the same with transformers' GPT2LMHeadModel.
func benchGPT2Steps() {
    var shape = GPT2Configuration()
    // `--dropout P` measures a real training configuration (GPT-2 trains with 0.1); the default is off, as
    // the PyTorch side runs.
    let dropout = CommandLine.arguments.firstIndex(of: "--dropout").map { Float(CommandLine.arguments[$0 + 1])! } ?? 0
    (shape.residualDropout, shape.embeddingDropout, shape.attentionDropout) = (dropout, dropout, dropout)
    let model = try! GPT2Model(shape, generator: RandomGenerator(seed: 1))
    let optimizer = try! AdamW(model.parameters(), .adamW(learningRate: 1e-4, weightDecay: 0.1))
    for (batch, length) in [(4, 256), (1, 1024)] where matchesFilter("B\(batch) T\(length)") {
        let g = RandomGenerator(seed: 2)
        let ids = (0..<(batch * (length + 1))).map { _ in Int32(g.nextInt(below: shape.vocabularySize)) }
        var inputs: [Int32] = [], targets: [Int32] = []
        for row in 0..<batch {
            inputs += ids[(row * (length + 1))..<(row * (length + 1) + length)]
            targets += ids[(row * (length + 1) + 1)..<((row + 1) * (length + 1))]
        }
        let x = IndexTensor(inputs, shape: [batch, length]), y = IndexTensor(targets, shape: [batch, length])
        let (seconds, phases, loss) = measureTrainingSteps(repeats: repeats, inner: 1, optimizer: optimizer) {
            model.loss(inputs: x, targets: y)
        }
        // 6 · parameters · tokens, plus attention's 12 · layers · T² · width per sequence (the PaLM count).
        let tokens = Double(batch * length)
        let flops = 6 * Double(model.parameterCount()) * tokens + 12 * 12 * Double(length * length) * 768 * Double(batch)
        report(["workload": "gpt2-124m train B\(batch) T\(length)" + (dropout > 0 ? " dropout \(dropout)" : ""), "impl": "lemma", "ms_per_step": seconds * 1e3,
                "gflops": flops / seconds / 1e9, "forward_ms": phases[0], "backward_ms": phases[1], "optimizer_ms": phases[2],
                "loss": loss])
    }
}

func benchGPT2Sampling() {
    var shape = GPT2Configuration()
    (shape.residualDropout, shape.embeddingDropout, shape.attentionDropout) = (0, 0, 0)
    let model = try! GPT2Model(shape, generator: RandomGenerator(seed: 1))
    let newTokens = 128
    for rows in [1, 8] where matchesFilter("batch \(rows)") {
        var options = DecodingOptions(maxNewTokens: newTokens)
        options.sampling = true
        options.topK = 40
        let prompt: [Int32] = Array(repeating: 464, count: 16)
        let seconds = measure(repeats: max(1, repeats / 2), inner: 1) {
            _ = try! model.generate(prompt: prompt, rows: rows, options: options)
        }
        report(["workload": "gpt2-124m sample batch \(rows)", "impl": "lemma", "tokens_per_second": Double(rows * newTokens) / seconds,
                "ms_per_token_step": seconds * 1e3 / Double(newTokens)])
    }
}

/// The model's share of a sampling step: `extend` alone, one token at a time, batch 1 (no decoding library).
func benchGPT2Extend() {
    var shape = GPT2Configuration()
    if let at = CommandLine.arguments.firstIndex(of: "--layers") { shape.layerCount = Int(CommandLine.arguments[at + 1])! }
    (shape.residualDropout, shape.embeddingDropout, shape.attentionDropout) = (0, 0, 0)
    let model = try! GPT2Model(shape, generator: RandomGenerator(seed: 1))
    model.eval()
    let seconds = measure(repeats: repeats, inner: 1) {
        withNoGrad {
            var state = model.extend(IndexTensor(Array(repeating: 464, count: 16), shape: [1, 16]), state: model.emptyState).state
            for _ in 0..<128 { state = model.extend(IndexTensor([464], shape: [1, 1]), state: state).state }
        }
    }
    report(["workload": "gpt2-124m extend batch 1 (\(shape.layerCount) layers)", "impl": "lemma", "ms_per_token_step": seconds * 1e3 / 128])
}
