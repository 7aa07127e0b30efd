import Foundation
import Lemma

/// `lemma-bench gpt2-check --model DIR --reference FILE --out DIR`: Lemma's side of bench/gpt2_parity.py at
/// a size no fixture can hold (the 124M config). Loads the transformers directory, compares logits, loss and
/// gradients with the reference the script computed, takes ten AdamW steps (losses compared by the script),
/// and writes the trained model back as a Hugging Face directory with the logits it gives, so the script can
/// check that transformers loads what Lemma writes. Prints one JSON line.
func gpt2Check() {
    func argument(_ name: String) -> String {
        guard let at = CommandLine.arguments.firstIndex(of: name), at + 1 < CommandLine.arguments.count else {
            FileHandle.standardError.write(Data("gpt2-check needs \(name)\n".utf8))
            exit(2)
        }
        return CommandLine.arguments[at + 1]
    }
    do {
        let model = try GPT2Checkpoint.load(URL(fileURLWithPath: argument("--model")))
        let reference = try SafetensorsFile(url: URL(fileURLWithPath: argument("--reference")))
        let ids = try reference.indices("input_ids")
        let labels = try reference.indices("labels")
        let (batch, length) = (ids.shape[0], ids.shape[1])
        var targets = [Int32](repeating: -100, count: batch * length)
        for row in 0..<batch { for t in 0..<(length - 1) { targets[row * length + t] = labels.values[row * length + t + 1] } }
        let y = IndexTensor(targets, shape: [batch, length])
        func worst(_ a: Tensor, _ b: Tensor) -> (Double, Double) {
            let x = a.scalars, r = b.scalars
            var absolute = 0.0, scale = 0.0
            for i in x.indices {
                absolute = max(absolute, Double(abs(x[i] - r[i])))
                scale = max(scale, Double(abs(r[i])))
            }
            return (absolute, absolute / max(scale, 1e-30))
        }
        let logits = withNoGrad { model.logits(ids) }
        let (logitsError, logitsRelative) = worst(logits, try reference.tensor("logits"))
        let loss = model.loss(inputs: ids, targets: y)
        loss.backward()
        var gradientRelative = 0.0
        var checked = 0
        for (key, parameter) in model.namedParameters() {
            guard reference.names.contains("grad." + key), let grad = parameter.grad else { continue }
            gradientRelative = max(gradientRelative, worst(grad, try reference.tensor("grad." + key)).1)
            checked += 1
        }
        // Every parameter's gradient norm against the reference's.
        var normRelative = 0.0
        let norms = try reference.tensor("grad_norms").scalars
        for (i, (_, parameter)) in model.namedParameters().enumerated() {
            let norm = parameter.grad!.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            normRelative = max(normRelative, abs(norm - Double(norms[i])) / max(Double(norms[i]), 1e-30))
        }
        model.zeroGrad()
        model.train()
        let optimizer = try AdamW(model.parameters(), .adamW(learningRate: 1e-4, weightDecay: 0.1))
        var losses: [Double] = []
        for _ in 0..<10 {
            optimizer.zeroGrad()
            let value = model.loss(inputs: ids, targets: y)
            losses.append(Double(value.item))
            value.backward()
            optimizer.step()
        }
        model.eval()
        let out = URL(fileURLWithPath: argument("--out"))
        try GPT2Checkpoint.save(model, to: out)
        try Safetensors.write(["logits": withNoGrad { model.logits(ids) }], to: out.appendingPathComponent("lemma_logits.safetensors"))
        report(["workload": "gpt2-check", "impl": "lemma", "loss": Double(loss.item), "logits_max_abs_error": logitsError,
                "logits_max_relative_error": logitsRelative, "gradients_checked": checked,
                "gradients_max_relative_error": gradientRelative, "gradient_norms_max_relative_error": normRelative,
                "adamw_losses": losses])
    } catch {
        FileHandle.standardError.write(Data("gpt2-check: \(error)\n".utf8))
        exit(1)
    }
}
