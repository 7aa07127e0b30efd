import LemmaTensor

/// Seed 002's `seq2seq_loss`, exactly: the shorter of the output [B, To, V] and the targets [B, Tt] is padded
/// to the other's length — the targets with `padIndex`, the outputs with the constant `padIndex` as every
/// score (the seed's `F.pad(..., value=pad_idx)`) — and the mean cross-entropy over all B × T positions is
/// taken, pads included (fastai's `CrossEntropyFlat`).
public func seq2seqLoss(_ output: Tensor, _ targets: IndexTensor, padIndex: Int32 = 1) -> Tensor {
    precondition(output.rank == 3 && targets.shape.count == 2 && output.shape[0] == targets.shape[0],
                 "seq2seq_loss: output \(output.shape) and targets \(targets.shape) must be [B, T, V] and [B, T]")
    let (logits, padded) = paddedToOneLength(output, targets, padIndex: padIndex)
    let batch = logits.shape[0], steps = logits.shape[1]
    return crossEntropy(logits.reshaped([batch * steps, -1]), padded.reshaped([batch * steps]))
}

/// The output and targets padded to one length as `seq2seqLoss` pads them (also what seed 002's
/// `seq2seq_acc` compares).
public func paddedToOneLength(_ output: Tensor, _ targets: IndexTensor, padIndex: Int32)
    -> (output: Tensor, targets: IndexTensor) {
    let batch = output.shape[0], outLength = output.shape[1], vocabulary = output.shape[2]
    let targetLength = targets.shape[1]
    var logits = output, padded = targets
    if targetLength > outLength {
        logits = Tensor.concat([output, Tensor.full([batch, targetLength - outLength, vocabulary], Float(padIndex))], axis: 1)
    } else if outLength > targetLength {
        var values: [Int32] = []
        for row in 0..<batch {
            values += targets.values[(row * targetLength)..<((row + 1) * targetLength)]
            values += Array(repeating: padIndex, count: outLength - targetLength)
        }
        padded = IndexTensor(values, shape: [batch, outLength])
    }
    return (logits, padded)
}
