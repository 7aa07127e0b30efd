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
    return nllLoss(flat.logSoftmax(axis: -1), targets.reshaped([flat.shape[0]]), classWeights: classWeights,
                   ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing, reduction: reduction)
}

/// Negative log-likelihood of log-probabilities [N, C]; see `crossEntropy`.
public func nllLoss(_ logProbs: Tensor, _ targets: IndexTensor, classWeights: Tensor? = nil,
                    ignoreIndex: Int32 = -100, labelSmoothing: Float = 0, reduction: Reduction = .mean) -> Tensor {
    precondition(logProbs.rank == 2 && targets.shape == [logProbs.shape[0]],
                 "nll_loss: log-probabilities \(logProbs.shape) and targets \(targets.shape) must be [N, C] and [N]")
    let n = logProbs.shape[0], classes = logProbs.shape[1]
    if let classWeights { precondition(classWeights.shape == [classes], "nll_loss: class weights must be [\(classes)], got \(classWeights.shape)") }
    let weights = classWeights?.scalars
    var safeTargets = [Int32](repeating: 0, count: n)
    var exampleWeights = [Float](repeating: 0, count: n)
    for (i, t) in targets.values.enumerated() where t != ignoreIndex {
        precondition(t >= 0 && Int(t) < classes, "nll_loss: target \(t) at position \(i) is outside 0..<\(classes)")
        safeTargets[i] = t
        exampleWeights[i] = weights?[Int(t)] ?? 1
    }
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
    switch reduction {
    case .none: return perExample
    case .sum: return perExample.sum()
    case .mean: return perExample.sum() / max(exampleWeights.reduce(0, +), .leastNormalMagnitude)
    }
}

/// Cross-entropy over a batch of sequences [B, T, C] against ids [B, T], padding positions (`padIndex`)
/// ignored: the mean is over real tokens, as seq2seq and language-model training need.
public func sequenceCrossEntropy(_ logits: Tensor, _ targets: IndexTensor, padIndex: Int32,
                                 labelSmoothing: Float = 0) -> Tensor {
    crossEntropy(logits, targets, ignoreIndex: padIndex, labelSmoothing: labelSmoothing)
}
