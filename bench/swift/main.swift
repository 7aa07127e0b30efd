// Lemma's side of the benchmarks in bench/: each workload prints one JSON line, which bench/compare.py
// pairs with PyTorch's numbers for the same workload. Usage: lemma-bench [gemm|dispatch|mlp|all] [--repeat N]
import CLemmaKernels
import Foundation
import Lemma

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Median seconds per call of `body`, over `repeats` timed batches of `inner` calls after a warm-up batch.
func measure(repeats: Int, inner: Int, _ body: () -> Void) -> Double {
    for _ in 0..<inner { body() }
    var samples: [Double] = []
    for _ in 0..<repeats {
        let start = now()
        for _ in 0..<inner { body() }
        samples.append((now() - start) / Double(inner))
    }
    return samples.sorted()[samples.count / 2]
}

func report(_ fields: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

let arguments = CommandLine.arguments.dropFirst()
let which = arguments.first { !$0.hasPrefix("-") && Int($0) == nil } ?? "all"
let repeats = arguments.firstIndex(of: "--repeat").flatMap { Int(arguments[$0 + 1]) } ?? 7

func benchGemm() {
    for (m, k, n) in [(1024, 1024, 1024), (64, 512, 2048)] {
        let flops = 2.0 * Double(m * n * k)
        let inner = m == 1024 ? 5 : 200
        let a = Tensor.normal([m, k], generator: RandomGenerator(seed: 1))
        let b = Tensor.normal([k, n], generator: RandomGenerator(seed: 2))
        let c = Tensor.zeros([m, n])
        for (library, name) in [(LEMMA_GEMM_ONEDNN, "onednn"), (LEMMA_GEMM_OPENBLAS, "openblas")] {
            let seconds = measure(repeats: repeats, inner: inner) {
                _ = lemma_sgemm(Int32(library.rawValue), 0, 0, Int64(m), Int64(n), Int64(k), 1, a.storage.pointer,
                                Int64(k), b.storage.pointer, Int64(n), 0, c.storage.pointer, Int64(n))
            }
            report(["workload": "gemm \(m)x\(k)x\(n)", "impl": "raw \(name)", "gflops": flops / seconds / 1e9])
        }
        let seconds = measure(repeats: repeats, inner: inner) { _ = a.matmul(b) }
        report(["workload": "gemm \(m)x\(k)x\(n)", "impl": "lemma", "gflops": flops / seconds / 1e9])
    }
}

/// Both libraries on the GEMMs of real layers, transposes included: the data behind CPUBackend's choice.
func benchGemmShapes() {
    // (name, m, n, k, transA, transB)
    let shapes: [(String, Int, Int, Int, Bool, Bool)] = [
        ("mlp fc1 forward x·Wᵀ", 128, 512, 784, false, true),
        ("mlp fc1 weight grad gᵀ·x", 512, 784, 128, true, false),
        ("mlp fc2 forward", 128, 10, 512, false, true),
        ("mlp fc2 input grad g·W", 128, 512, 10, false, false),
        ("lstm step h·Whᵀ (batch 32, hidden 256)", 32, 1024, 256, false, true),
        ("lstm input projection (32×128 steps, 256→1024)", 4096, 1024, 256, false, true),
        ("attention scores q·kᵀ (T 256, head 64)", 256, 256, 64, false, true),
    ]
    for (name, m, n, k, ta, tb) in shapes {
        let a = Tensor.normal([m * k]), b = Tensor.normal([k * n]), c = Tensor.zeros([m * n])
        let inner = max(3, Int(2e8 / Double(2 * m * n * k)))
        var row: [String: Any] = ["workload": "gemm \(name) m\(m) n\(n) k\(k)", "impl": "shape"]
        for (library, label) in [(LEMMA_GEMM_ONEDNN, "onednn"), (LEMMA_GEMM_OPENBLAS, "openblas")] {
            let seconds = measure(repeats: repeats, inner: inner) {
                _ = lemma_sgemm(Int32(library.rawValue), ta ? 1 : 0, tb ? 1 : 0, Int64(m), Int64(n), Int64(k), 1,
                                a.storage.pointer, Int64(ta ? m : k), b.storage.pointer, Int64(tb ? k : n), 0,
                                c.storage.pointer, Int64(n))
            }
            row[label + "_gflops"] = 2.0 * Double(m * n * k) / seconds / 1e9
        }
        report(row)
    }
}

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

if which == "gemm" || which == "all" { benchGemm() }
if which == "gemm-shapes" { benchGemmShapes() }
if which == "dispatch" || which == "all" { benchDispatch() }
if which == "mlp" || which == "all" { benchMLP() }
