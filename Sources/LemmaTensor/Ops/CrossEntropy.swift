/// Cross-entropy straight from logits, as one op: what `log_softmax` + `gather` compute, without writing
/// the log-probabilities or a one-hot gradient (losses in LemmaNN build on it).
extension Tensor {
    /// Per-row cross-entropy of logits [N, C] against one class per row: logsumexp(x) − x[target], [N].
    /// Every target must be in 0..<C.
    public func crossEntropyPerRow(_ targets: [Int32]) -> Tensor {
        guard rank == 2, targets.count == shape[0] else {
            shapeFailure("cross_entropy", "logits \(describe(shape)) and \(targets.count) targets must be [N, C] and N")
        }
        let rows = shape[0], classes = shape[1]
        if let bad = targets.firstIndex(where: { $0 < 0 || Int($0) >= classes }) {
            shapeFailure("cross_entropy", "target \(targets[bad]) at position \(bad) is outside 0..<\(classes)")
        }
        let loss = makeOutput([rows])
        let shift = backend.allocate(rows)
        backend.crossEntropy(storage, targets: targets, rows: rows, classes: classes, loss: loss.storage, shift: shift)
        guard isRecorded else { return loss }
        let logits = self
        return loss.recorded("cross_entropy", [self]) { g in
            let gx = logits.makeOutput(logits.shape)
            logits.backend.crossEntropyBackward(logits.storage, targets: targets, shift: shift, gradLoss: g.storage,
                                                rows: rows, classes: classes, gradX: gx.storage)
            return [gx]
        }
    }
}
