import CLemmaKernels
import Lemma

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
    // (name, m, n, k, transA, transB). Each shape runs on one thread and on all: a bidirectional layer runs each
    // direction's step products on one thread, and below some size a second thread costs more than it gives.
    let shapes: [(String, Int, Int, Int, Bool, Bool)] = [
        ("mlp fc1 forward x·Wᵀ", 128, 512, 784, false, true),
        ("mlp fc1 weight grad gᵀ·x", 512, 784, 128, true, false),
        ("mlp fc2 forward", 128, 10, 512, false, true),
        ("mlp fc2 input grad g·W", 128, 512, 10, false, false),
        ("lstm step h·Whᵀ (batch 32, hidden 256)", 32, 1024, 256, false, true),
        ("lstm input projection (32×128 steps, 256→1024)", 4096, 1024, 256, false, true),
        ("attention scores q·kᵀ (T 256, head 64)", 256, 256, 64, false, true),
        ("seed000 BiLSTM 128 step h·Whhᵀ", 128, 512, 128, false, false),
        ("seed000 BiLSTM 128 step backward dgates·Whh", 128, 128, 512, false, false),
        ("seed000 BiLSTM 64 step h·Whhᵀ", 128, 256, 64, false, false),
        ("seed000 BiLSTM 64 step backward dgates·Whh", 128, 64, 256, false, false),
        ("seed002 decoder GRU 300 step h·Whhᵀ", 64, 900, 300, false, true),
        ("seed002 decoder GRU 300 step h·Whh, Whh stored [in, out]", 64, 900, 300, false, false),
        ("seed002 decoder GRU 300 step backward dgates·Whh", 64, 300, 900, false, false),
        ("seed002 decoder GRU 300 weight grad dgatesᵀ·h", 900, 300, 64, true, false),
        ("seed002 output projection step h·Wᵀ (vocab 12k)", 64, 12000, 300, false, true),
        ("seed002 output projection step h·W, W stored [in, out] (vocab 12k)", 64, 12000, 300, false, false),
        ("seed002 output input grad step g·W (vocab 12k)", 64, 300, 12000, false, false),
        ("seed002 output weight grad step gᵀ·h (vocab 12k)", 12000, 300, 64, true, false),
        ("seed002 output input grad step g·Wᵀ, W stored [in, out] (vocab 12k)", 64, 300, 12000, false, true),
        ("seed002 output weight grad step hᵀ·g, W stored [in, out] (vocab 12k)", 300, 12000, 64, true, false),
        ("seed002 output weight grad, 30 steps at once gᵀ·h (vocab 12k)", 12000, 300, 1920, true, false),
        ("seq2seq beam-5 decoding output layer h·W, W stored [in, out] (64 items × 5 beams, vocab 10,774)", 320, 10774, 300, false, false),
        ("seq2seq beam-5 decoding output layer h·Wᵀ (64 items × 5 beams, vocab 10,774)", 320, 10774, 300, false, true),
        ("seq2seq greedy decoding output layer h·W, W stored [in, out] (batch 64, vocab 10,774)", 64, 10774, 300, false, false),
        ("gpt2 sampling LM head x·wteᵀ (batch 1)", 1, 50257, 768, false, true),
        ("gpt2 sampling c_attn x·W (batch 1)", 1, 2304, 768, false, false),
        ("gpt2 sampling mlp c_proj x·W (batch 1)", 1, 768, 3072, false, false),
        ("gpt2 sampling LM head x·wteᵀ (batch 8)", 8, 50257, 768, false, true),
        ("gpt2 sampling c_fc x·W (batch 8)", 8, 3072, 768, false, false),
    ]
    let threads = CPUBackend.shared.threads
    defer { CPUBackend.shared.threads = threads }
    for (name, m, n, k, ta, tb) in shapes where matchesFilter(name) {
        let a = Tensor.normal([m * k]), b = Tensor.normal([k * n]), c = Tensor.zeros([m * n])
        let inner = max(3, Int(2e8 / Double(2 * m * n * k)))
        var row: [String: Any] = ["workload": "gemm \(name) m\(m) n\(n) k\(k)", "impl": "shape"]
        for (library, label) in [(LEMMA_GEMM_ONEDNN, "onednn"), (LEMMA_GEMM_OPENBLAS, "openblas")] {
            for count in Set([1, threads]).sorted() {
                CPUBackend.shared.threads = count
                let seconds = measure(repeats: repeats, inner: inner) {
                    _ = lemma_sgemm(Int32(library.rawValue), ta ? 1 : 0, tb ? 1 : 0, Int64(m), Int64(n), Int64(k), 1,
                                    a.storage.pointer, Int64(ta ? m : k), b.storage.pointer, Int64(tb ? k : n), 0,
                                    c.storage.pointer, Int64(n))
                }
                row["\(label)_\(count)t_gflops"] = 2.0 * Double(m * n * k) / seconds / 1e9
            }
        }
        report(row)
    }
}
