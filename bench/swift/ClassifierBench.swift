import Lemma

/// Training steps of the classifier presets at seed 004's training sizes: batch 8 of random ids, every
/// sequence 128 tokens, a 20,000-token vocabulary of 100-d trainable vectors, two classes, each preset's
/// other sizes at its defaults; one step is forward, cross-entropy, backward, AdamW (lr 1e-3), zero grad.
/// Twin: bench/classifier_torch.py. `--only cnn` runs one preset.
func benchClassifiers() {
    let batchSize = 8, length = 128, vocabulary = 20_000
    let generator = RandomGenerator(seed: 7)
    let sequences = (0..<batchSize).map { _ in (0..<length).map { _ in Int32(1 + generator.nextInt(below: vocabulary - 1)) } }
    let labels = (0..<batchSize).map { $0 % 2 }
    for architecture: ClassifierPreset.Architecture in [.mlp, .cnn, .rnn, .bilstm] where matchesFilter(architecture.rawValue) {
        var sizes = ClassifierSizes(for: architecture, vocabSize: vocabulary, classCount: 2)
        (sizes.embeddingDim, sizes.fixedLength, sizes.seed) = (100, length, 1)
        let model = ClassifierPreset(architecture, sizes: sizes).make()
        let optimizer = try! AdamW(model.trainableParameters())
        let batch = Collator(padID: 0).collate(sequences, labels: labels)
        let (seconds, medians, lastLoss) = measureTrainingSteps(repeats: repeats, inner: architecture == .bilstm ? 2 : 10,
                                                                optimizer: optimizer) { model.loss(batch) }
        report(["workload": "classifier \(architecture.rawValue) train step, B 8, T 128, vocab 20k, emb 100", "impl": "lemma",
                "examples_per_s": Double(batchSize) / seconds, "final_loss": Double(lastLoss),
                "forward_ms": medians[0], "backward_ms": medians[1], "optimizer_ms": medians[2]])
    }
}
