import Foundation
import Lemma

/// Lemma's per-batch gradients of an im2latex run's model on batches the PyTorch twin wrote, for a bias between
/// the two implementations that a loss-by-loss check would not show (bench/im2latex_gradients.py compares them
/// per tensor):
///
///     lemma-bench im2latex-gradients RUN WEIGHTS.safetensors DIR/batches.safetensors DIR/lemma_gradients.safetensors
///
/// The model is the run's, with WEIGHTS (e.g. a checkpoint's model.safetensors) loaded, in training mode (batch
/// norm on batch statistics) as in a training step; no optimizer step is taken.
func im2latexGradients() {
    let paths = arguments.filter { $0.contains("/") }
    guard paths.count == 4 else {
        FileHandle.standardError.write(Data("usage: lemma-bench im2latex-gradients RUN WEIGHTS BATCHES OUT (paths with a '/')\n".utf8))
        exit(2)
    }
    do {
        guard let run = try TaskRegistry.open(RunDirectory(URL(fileURLWithPath: paths[0]))) as? Im2LatexRun else {
            FileHandle.standardError.write(Data("\(paths[0]): not an im2latex run\n".utf8))
            exit(2)
        }
        let model = run.model
        try model.loadStateDict(try SafetensorsFile(url: URL(fileURLWithPath: paths[1])).floatTensors())
        model.train()
        let batches = try SafetensorsFile(url: URL(fileURLWithPath: paths[2])).floatTensors()
        func tokens(_ key: String) -> IndexTensor {
            let values = batches[key]!
            return IndexTensor(values.scalars.map { Int32($0) }, shape: values.shape)
        }
        var gradients: [String: Tensor] = [:]
        let count = batches.keys.filter { $0.hasSuffix(".images") }.count
        for i in 0..<count {
            let targets = tokens("\(i).targets")
            let (b, t) = (targets.shape[0], targets.shape[1])
            let logits = model(batches["\(i).images"]!, inputs: tokens("\(i).inputs"))
            let loss = crossEntropy(logits.reshaped([b * t, -1]), targets.reshaped([b * t]), ignoreIndex: model.pad)
            loss.backward()
            gradients["\(i).loss"] = Tensor([loss.item], shape: [1])
            for (key, parameter) in model.namedParameters() { gradients["\(i).\(key)"] = parameter.grad }
            model.zeroGrad()
        }
        try Safetensors.write(gradients, to: URL(fileURLWithPath: paths[3]))
        FileHandle.standardError.write(Data("wrote the gradients of \(count) batches to \(paths[3])\n".utf8))
    } catch {
        FileHandle.standardError.write(Data("lemma-bench im2latex-gradients: \(error)\n".utf8))
        exit(1)
    }
}
