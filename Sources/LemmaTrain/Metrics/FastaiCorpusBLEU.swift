import Foundation

/// fastai's corpus BLEU-4 on token ids, as seed 002's lineage measures a validation set: course-nlp's
/// `CorpusBLEU` callback (notebook 7), or with `smoothing` the fastai library's `CorpusBLEUMetric`. Each
/// sentence is the argmax of every output position against the padded target, pads included and lengths
/// counted whole; clipped n-gram matches and n-gram counts are summed over the corpus, and the brevity penalty
/// compares the summed lengths. With `smoothing`, an order in which a sentence has no match counts 1/2, 1/4, …
/// of a match instead (fastai's per-sentence "mteval" smoothing). The value is in [0, 1], as fastai reports it.
public struct FastaiCorpusBLEU: Sendable, Equatable {
    public let smoothing: Bool
    public private(set) var predictionLength = 0
    public private(set) var targetLength = 0
    /// Clipped matches per order (fractional once smoothing adds its part).
    public private(set) var corrects = [Double](repeating: 0, count: 4)
    /// Prediction n-grams per order.
    public private(set) var counts = [Int](repeating: 0, count: 4)

    public init(smoothing: Bool = false) { self.smoothing = smoothing }

    public mutating func add<T: Hashable>(prediction: [T], target: [T]) {
        predictionLength += prediction.count
        targetLength += target.count
        var halving = 1.0
        for n in 1...4 {
            let predicted = Self.ngrams(prediction, n), wanted = Self.ngrams(target, n)
            var correct = Double(predicted.reduce(0) { $0 + min($1.value, wanted[$1.key, default: 0]) })
            if correct == 0, smoothing {
                halving *= 2
                correct = 1 / halving
            }
            corrects[n - 1] += correct
            counts[n - 1] += max(prediction.count - n + 1, 0)
        }
    }

    /// 0 when nothing matched; also 0 where an order has no n-grams at all (fastai divides by zero there).
    public var value: Double {
        guard corrects.contains(where: { $0 > 0 }), !counts.contains(0) else { return 0 }
        let product = zip(corrects, counts).reduce(1.0) { $0 * $1.0 / Double($1.1) }
        let brevity = predictionLength < targetLength ? exp(1 - Double(targetLength) / Double(predictionLength)) : 1
        return brevity * pow(product, 0.25)
    }

    static func ngrams<T: Hashable>(_ tokens: [T], _ n: Int) -> [ArraySlice<T>: Int] {
        var found: [ArraySlice<T>: Int] = [:]
        if tokens.count >= n {
            for start in 0...(tokens.count - n) { found[tokens[start..<(start + n)], default: 0] += 1 }
        }
        return found
    }
}
