/// Token accuracy of a sequence model's argmax predictions, as seed 002 computes it with fastai's
/// `seq2seq_acc`, plus the variant that leaves padding out.
///
/// Our reading of seed 002's code: for a batch, the prediction ids (argmax over the vocabulary) and the target
/// ids are padded to a common length L = max(prediction length, target length): targets with `padID`
/// (`F.pad(targ, …, value=pad_idx)`), predictions with logits that all equal pad_idx, whose argmax is id 0
/// (`paddedPredictionID`). The batch's accuracy is the mean of `prediction == target` over all batch × L
/// positions, so **padding is not masked out**: padding positions where both sides are padding count as
/// correct, and a prediction that stops early is wrong wherever the target has a real token. fastai averages
/// the per-batch values weighted by batch size (its AverageMetric), and so does `value`.
///
/// `maskedValue` is the other common definition: correct predictions over target tokens that are not
/// `padID` (a missing prediction counts as wrong), pooled over all tokens.
public struct SequenceTokenAccuracy: Sendable, Equatable {
    /// The padding id of targets (fastai's pad_idx, 1 by default).
    public let padID: Int32
    /// The id that stands in for predictions past a sequence's end: the argmax of a constant logit row.
    public let paddedPredictionID: Int32
    /// Σ over batches of batch accuracy × batch size.
    public private(set) var weightedSum = 0.0
    /// Sequences (rows) added.
    public private(set) var sequences = 0
    /// Correct predictions at non-padding target positions.
    public private(set) var correctTokens = 0
    /// Non-padding target positions.
    public private(set) var targetTokens = 0

    public init(padID: Int32 = 1, paddedPredictionID: Int32 = 0) {
        self.padID = padID
        self.paddedPredictionID = paddedPredictionID
    }

    /// Adds one batch: `predictions[i]` are the argmax ids for `targets[i]`. Rows may differ in length; each is
    /// padded to the batch's longest, as the seed's tensors are. A batch with no positions adds nothing.
    public mutating func add(predictions: [[Int32]], targets: [[Int32]]) {
        precondition(predictions.count == targets.count,
                     "SequenceTokenAccuracy: \(predictions.count) prediction rows for \(targets.count) target rows")
        let length = zip(predictions, targets).map { max($0.count, $1.count) }.max() ?? 0
        guard length > 0 else { return }
        var equal = 0
        for (p, t) in zip(predictions, targets) {
            for i in 0..<length {
                let predicted = i < p.count ? p[i] : paddedPredictionID
                let target = i < t.count ? t[i] : padID
                if predicted == target { equal += 1 }
                if i < t.count && target != padID {
                    targetTokens += 1
                    if i < p.count && predicted == target { correctTokens += 1 }
                }
            }
        }
        weightedSum += Double(equal) / Double(targets.count * length) * Double(targets.count)
        sequences += targets.count
    }

    /// Adds another accumulator's sums (same ids).
    public mutating func merge(_ other: SequenceTokenAccuracy) {
        precondition(other.padID == padID && other.paddedPredictionID == paddedPredictionID,
                     "SequenceTokenAccuracy: merging accumulators with different padding ids")
        weightedSum += other.weightedSum
        sequences += other.sequences
        correctTokens += other.correctTokens
        targetTokens += other.targetTokens
    }

    /// Seed 002's metric over the batches added: the batch-size-weighted mean of per-batch accuracies, padding
    /// included (0 before any batch).
    public var value: Double { sequences == 0 ? 0 : weightedSum / Double(sequences) }

    /// Accuracy over non-padding target tokens (0 before any).
    public var maskedValue: Double { targetTokens == 0 ? 0 : Double(correctTokens) / Double(targetTokens) }

    /// Seed 002's `seq2seq_acc` of one batch.
    public static func seq2seqAccuracy(predictions: [[Int32]], targets: [[Int32]], padID: Int32 = 1,
                                       paddedPredictionID: Int32 = 0) -> Double {
        var accuracy = SequenceTokenAccuracy(padID: padID, paddedPredictionID: paddedPredictionID)
        accuracy.add(predictions: predictions, targets: targets)
        return accuracy.value
    }

    /// Accuracy over the non-padding target tokens of one batch.
    public static func masked(predictions: [[Int32]], targets: [[Int32]], padID: Int32 = 1) -> Double {
        var accuracy = SequenceTokenAccuracy(padID: padID)
        accuracy.add(predictions: predictions, targets: targets)
        return accuracy.maskedValue
    }
}
