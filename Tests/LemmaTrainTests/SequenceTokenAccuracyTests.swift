import LemmaTrain
import Testing

/// Seed 002's `seq2seq_acc` (fastai, pad_idx 1). The expected values were worked out by hand and checked by
/// running the seed's function in PyTorch on one-hot logits of the same ids.
struct SequenceTokenAccuracyTests {
    @Test func predictionsShorterThanTargets() {
        // L = 4; padded predictions are id 0.
        // Row 1: 5 6 ✓✓, 7≠1, 0≠1 → 2; row 2: 5 ✓, 1≠9, 1=1 ✓, 0≠1 → 2.
        let predictions: [[Int32]] = [[5, 6, 7], [5, 1, 1]]
        let targets: [[Int32]] = [[5, 6, 1, 1], [5, 9, 1, 1]]
        #expect(SequenceTokenAccuracy.seq2seqAccuracy(predictions: predictions, targets: targets) == 0.5)
        // Without padding: targets 5 6 | 5 9, of which 5 6 | 5 are right.
        #expect(SequenceTokenAccuracy.masked(predictions: predictions, targets: targets) == 0.75)
    }

    @Test func paddedPredictionsAreIdZero() {
        // The argmax of a padded (constant) logit row is id 0, so it matches a target 0.
        #expect(SequenceTokenAccuracy.seq2seqAccuracy(predictions: [[5, 6]], targets: [[5, 6, 0, 1]]) == 0.75)
        #expect(SequenceTokenAccuracy.masked(predictions: [[5, 6]], targets: [[5, 6, 0, 1]]) == 2.0 / 3)
    }

    @Test func predictionsLongerThanTargets() {
        // Targets padded with 1: 5 ✓, 6≠7, 1 ✓, 1 ✓ (padding), 3≠1 → 3/5.
        #expect(SequenceTokenAccuracy.seq2seqAccuracy(predictions: [[5, 6, 1, 1, 3]], targets: [[5, 7, 1]]) == 0.6)
        #expect(SequenceTokenAccuracy.masked(predictions: [[5, 6, 1, 1, 3]], targets: [[5, 7, 1]]) == 0.5)
    }

    @Test func epochAveragesBatchesByBatchSize() {
        var accuracy = SequenceTokenAccuracy()
        accuracy.add(predictions: [[5, 6, 7], [5, 1, 1]], targets: [[5, 6, 1, 1], [5, 9, 1, 1]])  // 0.5, 2 rows
        var other = SequenceTokenAccuracy()
        other.add(predictions: [[5, 6, 1, 1, 3]], targets: [[5, 7, 1]])                           // 0.6, 1 row
        accuracy.merge(other)
        expectClose(accuracy.value, (0.5 * 2 + 0.6) / 3, "epoch value")
        #expect(accuracy.correctTokens == 4 && accuracy.targetTokens == 6)
        #expect(accuracy.maskedValue == 4.0 / 6)
        accuracy.add(predictions: [[]], targets: [[]])   // no positions: nothing added
        #expect(accuracy.sequences == 3)
    }

    @Test func customPaddingIds() {
        // pad 0: the padded prediction 0 now matches target padding.
        #expect(SequenceTokenAccuracy.seq2seqAccuracy(predictions: [[3]], targets: [[3, 0]], padID: 0) == 1)
        #expect(SequenceTokenAccuracy.seq2seqAccuracy(predictions: [[3]], targets: [[3, 0]], padID: 0,
                                                      paddedPredictionID: 9) == 0.5)
    }
}
