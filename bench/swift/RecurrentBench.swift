import Lemma

/// The recurrent configurations of the layers issue: LSTM and GRU, hidden 128/256, sequence 128/480,
/// batch 32/128, bidirectional, batch-first, input size 128; one forward + backward of sum(output).
let recurrentConfigs: [(cell: String, hidden: Int, steps: Int, batch: Int)] = ["lstm", "gru"].flatMap { cell in
    [128, 256].flatMap { hidden in
        [128, 480].flatMap { steps in [32, 128].map { (cell, hidden, steps, $0) } }
    }
}

func benchRecurrent() {
    for config in recurrentConfigs where matchesFilter("\(config.cell) H\(config.hidden) T\(config.steps) B\(config.batch)") {
        let inputSize = 128
        let g = RandomGenerator(seed: 11)
        let layer: Recurrent = config.cell == "lstm"
            ? LSTM(inputSize: inputSize, hiddenSize: config.hidden, batchFirst: true, bidirectional: true, generator: g)
            : GRU(inputSize: inputSize, hiddenSize: config.hidden, batchFirst: true, bidirectional: true, generator: g)
        let x = Tensor.normal([config.batch, config.steps, inputSize], generator: g)
        let work = config.hidden * config.steps * config.batch
        let seconds = measure(repeats: work > 4_000_000 ? 3 : 5, inner: 1) {
            let (y, _) = layer(x)
            y.sum().backward()
            layer.zeroGrad()
        }
        report(["workload": "\(config.cell) H\(config.hidden) T\(config.steps) B\(config.batch) bidirectional fwd+bwd",
                "impl": "lemma", "ms_per_step": seconds * 1e3])
    }
}
