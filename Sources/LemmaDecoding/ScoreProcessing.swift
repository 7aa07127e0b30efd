import Foundation

/// What `DecodingOptions` do to one row of next-token scores before a token is chosen, in the order Hugging
/// Face's `generate` applies its processors: repetition penalty, no-repeat n-grams, minimum length; then,
/// when sampling, temperature, top-k and top-p (removed tokens get −∞).
public struct ScoreProcessor: Sendable {
    public let options: DecodingOptions

    public init(_ options: DecodingOptions) { self.options = options }

    /// Whether greedy search's scores `generated` tokens in pass through unchanged (no repetition penalty,
    /// no n-gram ban, past the minimum length).
    public func leavesUnchanged(generated: Int) -> Bool {
        options.repetitionPenalty == 1 && options.noRepeatNGramSize == 0 && generated >= options.minNewTokens
    }

    /// `context`: the row's whole sequence so far (prompt and generated tokens); `generated`: how many of
    /// them were generated; `minimumKept`: tokens top-k and top-p always keep (beam search keeps one more
    /// than there are stop tokens).
    public func callAsFunction(_ logits: [Float], context: [Int32], generated: Int, minimumKept: Int = 1) -> [Float] {
        var scores = logits
        ScoreProcessing.penalizeRepetition(&scores, context: context, penalty: options.repetitionPenalty)
        ScoreProcessing.banRepeatedNGrams(&scores, context: context, size: options.noRepeatNGramSize)
        ScoreProcessing.suppressStops(&scores, stops: options.stopTokens, generated: generated, minimum: options.minNewTokens)
        if options.sampling {
            if options.temperature != 1 { scores = scores.map { $0 / options.temperature } }
            if let k = options.topK, k > 0 { ScoreProcessing.keepTopK(&scores, k: k, minimumKept: minimumKept) }
            if let p = options.topP { ScoreProcessing.keepTopP(&scores, p: p, minimumKept: minimumKept) }
        }
        return scores
    }
}

/// The processors themselves, each as Hugging Face's class of that name computes it.
enum ScoreProcessing {
    /// `RepetitionPenaltyLogitsProcessor`: each distinct token of the context, score / penalty if positive,
    /// × penalty if negative.
    static func penalizeRepetition(_ scores: inout [Float], context: [Int32], penalty: Float) {
        guard penalty != 1 else { return }
        for token in Set(context) where Int(token) < scores.count {
            let s = scores[Int(token)]
            scores[Int(token)] = s < 0 ? s * penalty : s / penalty
        }
    }

    /// `NoRepeatNGramLogitsProcessor`: tokens that would complete an n-gram already in the context get −∞.
    static func banRepeatedNGrams(_ scores: inout [Float], context: [Int32], size n: Int) {
        guard n > 0, context.count + 1 >= n else { return }
        let prefix = context.suffix(n - 1)
        guard context.count >= n else { return }
        for start in 0...(context.count - n) where context[start..<(start + n - 1)].elementsEqual(prefix) {
            let banned = Int(context[start + n - 1])
            if banned < scores.count { scores[banned] = -.infinity }
        }
    }

    /// `MinNewTokensLengthLogitsProcessor`: stop tokens get −∞ until enough tokens were generated.
    static func suppressStops(_ scores: inout [Float], stops: [Int32], generated: Int, minimum: Int) {
        guard generated < minimum else { return }
        for token in stops where Int(token) < scores.count { scores[Int(token)] = -.infinity }
    }

    /// `TopKLogitsWarper`: everything below the k-th best score gets −∞ (ties with it stay).
    static func keepTopK(_ scores: inout [Float], k: Int, minimumKept: Int) {
        let k = Swift.min(Swift.max(k, minimumKept), scores.count)
        guard k > 0, k < scores.count else { return }
        // The k-th best score from a min-heap: one pass over a 50,257-token row instead of sorting it.
        let threshold = kthLargest(scores, k)
        for i in scores.indices where scores[i] < threshold { scores[i] = -.infinity }
    }

    /// `TopPLogitsWarper`: in ascending order of score, drops tokens while the cumulative probability stays at
    /// or below 1 − p, always keeping the best `minimumKept`. Equivalently, from the best token down, a token
    /// stays while the tokens above it hold less than p; so only the best few need sorting (the best 64,
    /// then 4× more until their mass reaches p), not the whole 50,257-token row.
    static func keepTopP(_ scores: inout [Float], p: Float, minimumKept: Int) {
        guard p < 1 else { return }
        let top = scores.max() ?? -.infinity
        guard top > -.infinity else { return }
        var total: Float = 0
        for s in scores where s > -.infinity { total += Foundation.exp(s - top) }
        var candidates = 64
        while true {
            // The best `candidates` tokens (and any tied with the last), best first; ties as the ascending
            // stable sort leaves them, read backwards: higher index first.
            let cut = candidates < scores.count ? kthLargest(scores, candidates) : -.infinity
            let best = scores.indices.filter { scores[$0] >= cut && scores[$0] > -.infinity }
                .sorted { (scores[$0], $0) > (scores[$1], $1) }
            var above: Float = 0
            for (rank, index) in best.enumerated() {
                if above >= p, rank >= minimumKept {
                    // This token and every one below it go.
                    let threshold = (scores[index], index)
                    for i in scores.indices where (scores[i], i) <= threshold { scores[i] = -.infinity }
                    return
                }
                above += Foundation.exp(scores[index] - top) / total
            }
            if best.count == scores.filter({ $0 > -.infinity }).count { return }  // every token stays
            candidates *= 4
        }
    }

    /// The k-th largest score (k ≥ 1), from a min-heap of the k best seen so far.
    static func kthLargest(_ scores: [Float], _ k: Int) -> Float {
        var heap = Array(scores[0..<k])
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let left = 2 * i + 1, right = left + 1
                var smallest = i
                if left < k, heap[left] < heap[smallest] { smallest = left }
                if right < k, heap[right] < heap[smallest] { smallest = right }
                if smallest == i { return }
                heap.swapAt(i, smallest)
                i = smallest
            }
        }
        for i in stride(from: k / 2 - 1, through: 0, by: -1) { siftDown(i) }
        for score in scores[k...] where score > heap[0] {
            heap[0] = score
            siftDown(0)
        }
        return heap[0]
    }

    /// log Σ exp(scores), skipping −∞ entries (−∞ when every entry is).
    static func logSumExp(_ scores: [Float]) -> Float {
        let top = scores.max() ?? -.infinity
        guard top > -.infinity else { return -.infinity }
        var total: Float = 0
        for s in scores where s > -.infinity { total += Foundation.exp(s - top) }
        return top + Foundation.log(total)
    }

    /// The first index of the largest score (torch.argmax's choice on ties).
    static func argmax(_ scores: [Float]) -> Int {
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }
        return best
    }
}
