import Foundation
import Lemma

/// The recurrent workloads at the seeds' real sizes (twin: bench/seed_recurrent_torch.py). Each prints the
/// median seconds of one training step, its phases, the GEMM work it does and the GFLOP/s that reaches.
///
/// `seed000-bilstm`: seed 000's stack, 300-d frozen vectors → BiLSTM 128 → BiLSTM 64 → LSTM 64 → dense 8,
/// batch 128 of 480 real tokens, Adam (lr 1e-3).
/// `seed002-gru`: seed 002's `Seq2SeqRNN` — 300-d vectors, encoder 2×GRU 256, Linear(256→300) as the
/// decoder's state, decoder 2×GRU 300 run one step at a time on the previous target (teacher forcing),
/// output tied to the decoder embedding over a 12,000-token vocabulary; batch 64, 30 tokens each side.
func benchSeedBiLSTM() {
    let batchSize = 128, length = 480, vocabulary = 20_000, classes = 8
    let generator = RandomGenerator(seed: 3)
    var sizes = ClassifierSizes(for: .bilstm, vocabSize: vocabulary, classCount: classes)
    sizes.pretrained = Tensor.normal([vocabulary, 300], std: 0.5, generator: generator)
    sizes.freezeEmbeddings = true
    sizes.seed = 1
    let model = ClassifierPreset(.bilstm, sizes: sizes).make()
    let optimizer = try! Adam(model.trainableParameters())
    let sequences = (0..<batchSize).map { _ in (0..<length).map { _ in Int32(1 + generator.nextInt(below: vocabulary - 1)) } }
    let batch = Collator(padID: 0).collate(sequences, labels: (0..<batchSize).map { $0 % classes })
    let rows = Double(batchSize * length)
    // Multiply-adds ×2 of every GEMM a step runs: each LSTM's input projection and hidden product, forward
    // and the two backward products (the embeddings are frozen, so the first layer needs no input gradient).
    func lstm(_ input: Int, _ hidden: Int, directions: Int, inputGradient: Bool) -> Double {
        let gates = Double(4 * hidden)
        let forward = rows * gates * Double(input + hidden) * 2
        let backward = rows * gates * Double(input + hidden) * 2 + rows * gates * Double((inputGradient ? input : 0) + hidden) * 2
        return Double(directions) * (forward + backward)
    }
    let flop = lstm(300, 128, directions: 2, inputGradient: false) + lstm(256, 64, directions: 2, inputGradient: true)
        + lstm(128, 64, directions: 1, inputGradient: true)
    runTrainingSteps(name: "seed000 bilstm train step, B 128, T 480, emb 300 frozen, 128-64-64, Adam", flop: flop,
                     optimizer: optimizer) { model.loss(batch) }
}

func benchSeedGRU() {
    let batchSize = 64, length = 30, vocabulary = 12_000, embedding = 300, encoderHidden = 256
    let generator = RandomGenerator(seed: 4)
    let model = Seq2SeqGRUBench(vocabulary: vocabulary, embedding: embedding, encoderHidden: encoderHidden, generator: generator)
    let optimizer = try! Adam(model.trainableParameters())
    func ids() -> IndexTensor {
        IndexTensor((0..<batchSize * length).map { _ in Int32(2 + generator.nextInt(below: vocabulary - 2)) }, shape: [batchSize, length])
    }
    let source = ids(), target = ids()
    let rows = Double(batchSize * length)
    func gru(_ input: Int, _ hidden: Int) -> Double {  // forward + two backward products, every step
        3 * rows * Double(3 * hidden) * Double(input + hidden) * 2
    }
    let flop = gru(embedding, encoderHidden) + gru(encoderHidden, encoderHidden) + gru(embedding, embedding)
        + gru(embedding, embedding) + 3 * rows * Double(vocabulary * embedding) * 2
    runTrainingSteps(name: "seed002 gru seq2seq train step, B 64, T 30, vocab 12k, stepwise decoder, Adam", flop: flop,
                     optimizer: optimizer) { model.loss(source: source, target: target) }
    runTrainingSteps(name: "seed002 gru seq2seq train step, B 64, T 30, vocab 12k, stepwise decoder, projection after the steps, Adam",
                     flop: flop, optimizer: optimizer) { model.loss(source: source, target: target, projectEachStep: false) }
}

private func runTrainingSteps(name: String, flop: Double, optimizer: any Optimizer, loss: () -> Tensor) {
    let (seconds, medians, lastLoss) = measureTrainingSteps(repeats: repeats, inner: 1, optimizer: optimizer, loss: loss)
    // LEMMA_BENCH_DEBUG=1: fresh buffers and page faults of two more steps (both 0 once the cache is warm).
    if ProcessInfo.processInfo.environment["LEMMA_BENCH_DEBUG"] != nil {
        for _ in 0..<2 {
        var usage = rusage(); getrusage(Int32(RUSAGE_SELF.rawValue), &usage); let faults = usage.ru_minflt
        let before = CPUBackend.shared.freshAllocations
        let l = loss(); l.backward(); optimizer.step(); optimizer.zeroGrad()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        print("fresh allocations in a step:", CPUBackend.shared.freshAllocations - before, "faults", usage.ru_minflt - faults, "live", CPUBackend.shared.liveBufferBytes >> 20, "cached", CPUBackend.shared.cachedBufferBytes >> 20)
        }
    }
    report(["workload": name, "impl": "lemma", "denormals": Denormals.flushToZero ? "flushed" : "kept",
            "ms_per_step": seconds * 1e3, "final_loss": Double(lastLoss), "gemm_gflop": flop / 1e9,
            "gflops": flop / seconds / 1e9, "forward_ms": medians[0], "backward_ms": medians[1],
            "optimizer_ms": medians[2]])
}

/// Seed 002's `Seq2SeqRNN` forward with teacher forcing on every step (the training loop's first epoch),
/// written with layers as the seed writes it.
final class Seq2SeqGRUBench: Module {
    let encoderEmbedding: Embedding, decoderEmbedding: Embedding
    let encoderDropout = Dropout(0.15), outputDropout = Dropout(0.35)
    let encoder: GRU, decoder: GRU
    let bridge: Linear
    let outputBias: Tensor

    init(vocabulary: Int, embedding: Int, encoderHidden: Int, generator: RandomGenerator) {
        encoderEmbedding = Embedding(vocabulary, embedding, paddingIndex: 1, generator: generator)
        decoderEmbedding = Embedding(vocabulary, embedding, paddingIndex: 1, generator: generator)
        encoder = GRU(inputSize: embedding, hiddenSize: encoderHidden, numLayers: 2, batchFirst: true, dropout: 0.25, generator: generator)
        decoder = GRU(inputSize: embedding, hiddenSize: embedding, numLayers: 2, batchFirst: true, dropout: 0.1, generator: generator)
        bridge = Linear(encoderHidden, embedding, bias: false, generator: generator)
        let bound = 1 / Float(embedding).squareRoot()
        outputBias = Tensor.uniform([vocabulary], low: -bound, high: bound, generator: generator)
        outputBias.requiresGrad = true
        super.init()
    }

    /// `projectEachStep`: the seed's order, the output layer applied at every step; otherwise the decoder's
    /// outputs are projected all at once after the last step (the same numbers, as teacher forcing needs no
    /// step's scores before the loss), which turns 30 thin GEMMs per product into one.
    func loss(source: IndexTensor, target: IndexTensor, projectEachStep: Bool = true) -> Tensor {
        let batch = source.shape[0], steps = target.shape[1]
        let (_, encoded) = encoder(encoderDropout(encoderEmbedding(source)))
        var state = RecurrentState(hidden: bridge(encoded.hidden))
        var input = IndexTensor([Int32](repeating: 0, count: batch), shape: [batch, 1])  // BOS
        var outputs: [Tensor] = []
        let targets = target.values
        // The tied weight as [in, out], copied once: each step's 64-row product then has no transposed operand
        // (what Lemma's seq2seq presets do; `linear(weight:copyInOut:)`).
        let weightInOut = projectEachStep ? withNoGrad { decoderEmbedding.weight.transposed(0, 1) } : nil
        for step in 0..<steps {
            let (output, next) = decoder(decoderEmbedding(input), initialState: state)
            state = next
            let hidden = output.reshaped([batch, -1])
            outputs.append(projectEachStep ? outputDropout(hidden).linear(weight: decoderEmbedding.weight, copyInOut: weightInOut!, bias: outputBias)
                           : hidden)
            input = IndexTensor((0..<batch).map { targets[$0 * steps + step] }, shape: [batch, 1])
        }
        let stacked = Tensor.stack(outputs, axis: 1).reshaped([batch * steps, -1])
        let logits = projectEachStep ? stacked
            : outputDropout(stacked).linear(weight: decoderEmbedding.weight, bias: outputBias)
        return crossEntropy(logits, target.reshaped([batch * steps]))
    }
}
