/// Cross-entropy of a linear layer's scores without holding the scores: the output layer of a language model
/// or a decoder over a large vocabulary (12,000 words in seed 002, 50,257 tokens in GPT-2) writes and
/// re-reads an [N, vocabulary] matrix five or six times a step when scores, log-probabilities and their
/// gradients are separate tensors. Here rows go through in chunks small enough to stay in cache; each
/// chunk's scores are made, turned into losses, and, when a gradient is wanted, turned in place into their
/// gradient (softmax − one-hot) and multiplied out into the gradients of the input, weight and bias right
/// away (the idea of Liger Kernel's fused linear cross-entropy and Apple's Cut Cross-Entropy).
extension Tensor {
    /// Σ_r rowWeights[r] · CE(x_r Wᵀ + b, targets[r]) for x = self [N, D], weight [C, D], bias [C]: a scalar.
    /// Targets must be in 0..<C; a row with weight 0 (an ignored position) contributes nothing.
    public func linearCrossEntropySum(weight: Tensor, bias: Tensor? = nil, targets: [Int32],
                                      rowWeights: [Float]) -> Tensor {
        guard rank == 2, weight.rank == 2, shape[1] == weight.shape[1], targets.count == shape[0],
              rowWeights.count == shape[0], bias.map({ $0.shape == [weight.shape[0]] }) ?? true else {
            shapeFailure("linear_cross_entropy", "input \(describe(shape)), weight \(describe(weight.shape)), bias \(bias.map { describe($0.shape) } ?? "none"), \(targets.count) targets and \(rowWeights.count) row weights do not fit [N, D], [C, D], [C], N, N")
        }
        let rows = shape[0], features = shape[1], classes = weight.shape[0]
        if let bad = targets.firstIndex(where: { $0 < 0 || Int($0) >= classes }) {
            shapeFailure("linear_cross_entropy", "target \(targets[bad]) at position \(bad) is outside 0..<\(classes)")
        }
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        let wantsGradient = GradMode.isEnabled && inputs.contains(where: \.requiresGrad)
        let wantsInput = wantsGradient && requiresGrad, wantsWeight = wantsGradient && weight.requiresGrad
        let wantsBias = wantsGradient && (bias?.requiresGrad ?? false)

        // About 24 MB of scores per chunk: few enough chunks that the weight gradient, rewritten once per chunk,
        // costs little, small enough to stay in a server CPU's last-level cache (at least 32 rows, so the
        // weight-gradient GEMM stays efficient).
        let chunk = Swift.min(rows, Swift.max(32, Swift.min(4096, (6 << 20) / Swift.max(classes, 1))))
        let scores = backend.allocate(chunk * classes), shift = backend.allocate(chunk)
        let chunkLosses = backend.allocate(chunk), losses = backend.allocate(rows)
        let gradInput = wantsInput ? makeOutput(shape) : nil
        // Written by the first chunk; an empty batch has none, and its gradients are zero.
        let gradWeight = wantsWeight ? (rows == 0 ? Tensor.zeros(weight.shape) : weight.makeOutput(weight.shape)) : nil
        let gradBias = wantsBias ? (rows == 0 ? Tensor.zeros([classes]) : bias!.makeOutput([classes])) : nil
        let chunkBias = wantsBias ? backend.allocate(classes) : nil
        var start = 0
        while start < rows {
            let count = Swift.min(chunk, rows - start)
            if let bias {
                backend.stridedCopy(bias.storage, offset: 0, strides: [0, 1], scores, shape: [count, classes])
            }
            backend.gemm(storage, offset: start * features, transposed: false, lda: features,
                         weight.storage, offset: 0, transposed: true, ldb: features,
                         scores, offset: 0, ldc: classes, m: count, n: classes, k: features,
                         alpha: 1, beta: bias == nil ? 0 : 1)
            let chunkTargets = Array(targets[start..<(start + count)])
            backend.crossEntropy(scores, targets: chunkTargets, rows: count, classes: classes, loss: chunkLosses,
                                 shift: shift)
            backend.stridedScatter(chunkLosses, into: losses, offset: start, strides: [1], shape: [count],
                                   accumulate: false)
            if wantsGradient {
                // Scores become their gradient in place: rowWeight · (softmax − one-hot).
                let chunkWeights = Tensor(Array(rowWeights[start..<(start + count)]), shape: [count])
                backend.crossEntropyBackward(scores, targets: chunkTargets, shift: shift, gradLoss: chunkWeights.storage,
                                             rows: count, classes: classes, gradX: scores)
                if let gradInput {
                    backend.gemm(scores, offset: 0, transposed: false, lda: classes, weight.storage, offset: 0,
                                 transposed: false, ldb: features, gradInput.storage, offset: start * features,
                                 ldc: features, m: count, n: features, k: classes, alpha: 1, beta: 0)
                }
                if let gradWeight {
                    backend.gemm(scores, offset: 0, transposed: true, lda: classes, storage, offset: start * features,
                                 transposed: false, ldb: features, gradWeight.storage, offset: 0, ldc: features,
                                 m: classes, n: features, k: count, alpha: 1, beta: start == 0 ? 0 : 1)
                }
                if let gradBias, let chunkBias {
                    backend.sum(scores, start == 0 ? gradBias.storage : chunkBias,
                                axis: AxisSplit(outer: 1, length: count, inner: classes))
                    if start > 0 { backend.axpy(alpha: 1, chunkBias, gradBias.storage) }
                }
            }
            start += count
        }
        let total = withNoGrad { (Tensor(shape: [rows], storage: losses) * Tensor(rowWeights, shape: [rows])).sum() }
        guard wantsGradient else { return total }
        return total.recorded("linear_cross_entropy", inputs) { g in
            // The gradients were made for an upstream gradient of 1; scale them by the real one.
            [gradInput.map { $0 * g }, gradWeight.map { $0 * g }, gradBias.map { $0 * g }]
        }
    }
}
