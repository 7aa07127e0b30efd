import Lemma

/// One SGD step of a 784-512-10 MLP with ReLU and cross-entropy, batch 128.
func benchMLP() {
    let batch = 128
    let g = RandomGenerator(seed: 5)
    let w1 = Tensor.normal([512, 784], std: 0.03, generator: g), b1 = Tensor.zeros([512])
    let w2 = Tensor.normal([10, 512], std: 0.04, generator: g), b2 = Tensor.zeros([10])
    let parameters = [w1, b1, w2, b2]
    for p in parameters { p.requiresGrad = true }
    let x = Tensor.normal([batch, 784], generator: g)
    let targets = IndexTensor((0..<batch).map { Int32($0 % 10) }, shape: [batch, 1])
    var lastLoss: Float = 0
    let seconds = measure(repeats: repeats, inner: 50) {
        let hidden = x.linear(weight: w1, bias: b1).relu()
        let logits = hidden.linear(weight: w2, bias: b2)
        let loss = -logits.logSoftmax(axis: -1).gather(axis: 1, targets).mean()
        loss.backward()
        withNoGrad {
            for p in parameters {
                p.backend.axpy(alpha: -0.01, p.grad!.storage, p.storage)
                p.zeroGrad()
            }
        }
        lastLoss = loss.item
    }
    report(["workload": "mlp 784-512-10 train step, batch 128", "impl": "lemma", "examples_per_s": Double(batch) / seconds,
            "final_loss": Double(lastLoss)])
}
