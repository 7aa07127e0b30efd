import LemmaTensor

/// Cross-entropy from logits [N, C] (or [N, T, C], flattened) against class ids, with PyTorch's semantics:
/// targets equal to `ignoreIndex` contribute nothing; `classWeights` [C] weight each example by its class,
/// and the mean divides by the total weight of the counted examples; `labelSmoothing` ε mixes in the
/// uniform distribution: (1-ε)·NLL + ε·mean over classes of -log p.
public func crossEntropy(_ logits: Tensor, _ targets: IndexTensor, classWeights: Tensor? = nil,
                         ignoreIndex: Int32 = -100, labelSmoothing: Float = 0,
                         reduction: Reduction = .mean) -> Tensor {
    let classes = logits.shape.last ?? 0
    let flat = logits.reshaped([-1, classes])
    let flatTargets = targets.reshaped([flat.shape[0]])
    guard labelSmoothing == 0 else {
        return nllLoss(flat.logSoftmax(axis: -1), flatTargets, classWeights: classWeights,
                       ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing, reduction: reduction)
    }
    let (safeTargets, weights) = countedTargets(flatTargets, classes: classes, classWeights: classWeights,
                                                ignoreIndex: ignoreIndex, op: "cross_entropy")
    let perExample = flat.crossEntropyPerRow(safeTargets) * Tensor(weights, shape: [weights.count])
    return reduce(perExample, weights: weights, reduction)
}

/// `crossEntropy(input.linear(weight: weight, bias: bias), targets, …)` without holding the [N, C] scores
/// (`Tensor.linearCrossEntropySum`): the loss of an output layer over a large vocabulary, with the same
/// semantics as `crossEntropy` for `ignoreIndex`, `classWeights` and `.mean`/`.sum`. Label smoothing and
/// `.none` go through the scores as `crossEntropy` does. `input` is [N, D] or [B, T, D] with targets to match.
public func linearCrossEntropy(_ input: Tensor, weight: Tensor, bias: Tensor? = nil, targets: IndexTensor,
                               classWeights: Tensor? = nil, ignoreIndex: Int32 = -100, labelSmoothing: Float = 0,
                               reduction: Reduction = .mean) -> Tensor {
    let features = input.shape.last ?? 0, classes = weight.shape.first ?? 0
    let flat = input.reshaped([-1, features])
    guard labelSmoothing == 0, reduction != .none else {
        return crossEntropy(flat.linear(weight: weight, bias: bias), targets, classWeights: classWeights,
                            ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing, reduction: reduction)
    }
    let (safeTargets, weights) = countedTargets(targets.reshaped([flat.shape[0]]), classes: classes,
                                                classWeights: classWeights, ignoreIndex: ignoreIndex,
                                                op: "linear_cross_entropy")
    let total = flat.linearCrossEntropySum(weight: weight, bias: bias, targets: safeTargets, rowWeights: weights)
    return reduction == .sum ? total : total / max(weights.reduce(0, +), .leastNormalMagnitude)
}

/// Targets with ignored positions pointed at class 0, and each example's weight (0 where ignored).
private func countedTargets(_ targets: IndexTensor, classes: Int, classWeights: Tensor?, ignoreIndex: Int32,
                            op: String) -> (targets: [Int32], weights: [Float]) {
    if let classWeights { precondition(classWeights.shape == [classes], "\(op): class weights must be [\(classes)], got \(classWeights.shape)") }
    let weights = classWeights?.scalars
    var safeTargets = [Int32](repeating: 0, count: targets.count)
    var exampleWeights = [Float](repeating: 0, count: targets.count)
    for (i, t) in targets.values.enumerated() where t != ignoreIndex {
        precondition(t >= 0 && Int(t) < classes, "\(op): target \(t) at position \(i) is outside 0..<\(classes)")
        safeTargets[i] = t
        exampleWeights[i] = weights?[Int(t)] ?? 1
    }
    return (safeTargets, exampleWeights)
}

private func reduce(_ perExample: Tensor, weights: [Float], _ reduction: Reduction) -> Tensor {
    switch reduction {
    case .none: return perExample
    case .sum: return perExample.sum()
    case .mean: return perExample.sum() / max(weights.reduce(0, +), .leastNormalMagnitude)
    }
}

/// Negative log-likelihood of log-probabilities [N, C]; see `crossEntropy`.
public func nllLoss(_ logProbs: Tensor, _ targets: IndexTensor, classWeights: Tensor? = nil,
                    ignoreIndex: Int32 = -100, labelSmoothing: Float = 0, reduction: Reduction = .mean) -> Tensor {
    precondition(logProbs.rank == 2 && targets.shape == [logProbs.shape[0]],
                 "nll_loss: log-probabilities \(logProbs.shape) and targets \(targets.shape) must be [N, C] and [N]")
    let n = logProbs.shape[0], classes = logProbs.shape[1]
    let (safeTargets, exampleWeights) = countedTargets(targets, classes: classes, classWeights: classWeights,
                                                       ignoreIndex: ignoreIndex, op: "nll_loss")
    let w = Tensor(exampleWeights, shape: [n])
    let picked = logProbs.gather(axis: 1, IndexTensor(safeTargets, shape: [n, 1])).reshaped([n])
    var perExample = -(picked * w)
    if labelSmoothing > 0 {
        // Each counted example's smoothing term: -Σ_c w_c log p_c / C (w_c = 1 without class weights).
        let counted = Tensor(exampleWeights.map { $0 != 0 ? 1 : 0 }, shape: [n, 1])
        let classWeighted = classWeights.map { logProbs * $0 } ?? logProbs
        let smooth = -(classWeighted * counted).sum(axis: 1) / Float(classes)
        perExample = perExample * (1 - labelSmoothing) + smooth * labelSmoothing
    }
    return reduce(perExample, weights: exampleWeights, reduction)
}

/// Cross-entropy over a batch of sequences [B, T, C] against ids [B, T], padding positions (`padIndex`)
/// ignored: the mean is over real tokens, as seq2seq and language-model training need.
public func sequenceCrossEntropy(_ logits: Tensor, _ targets: IndexTensor, padIndex: Int32,
                                 labelSmoothing: Float = 0) -> Tensor {
    crossEntropy(logits, targets, ignoreIndex: padIndex, labelSmoothing: labelSmoothing)
}
