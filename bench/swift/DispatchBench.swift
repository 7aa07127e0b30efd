import Lemma

/// 10,000 small ops (64 elements: add, mul, tanh in turn) with recording on, forward only; then the same
/// chain with its backward pass.
func benchDispatch() {
    let opsPerChain = 10_000
    let x = Tensor.normal([64], generator: RandomGenerator(seed: 3))
    x.requiresGrad = true
    let c = Tensor.normal([64], std: 0.1, generator: RandomGenerator(seed: 4))
    func chain() -> Tensor {
        var y = x
        for i in 0..<opsPerChain {
            switch i % 3 {
            case 0: y = y + c
            case 1: y = y * c
            default: y = y.tanh()
            }
        }
        return y
    }
    let forward = measure(repeats: repeats, inner: 3) { _ = chain() }
    report(["workload": "dispatch 10k ops, 64 elements, recording", "impl": "lemma", "us_per_op": forward / Double(opsPerChain) * 1e6])
    let both = measure(repeats: repeats, inner: 3) {
        chain().sum().backward()
        x.zeroGrad()
    }
    report(["workload": "dispatch 10k ops + backward", "impl": "lemma", "us_per_op": both / Double(opsPerChain) * 1e6])
}
