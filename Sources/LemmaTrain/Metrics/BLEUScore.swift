import Foundation

/// How BLEU treats an n-gram order with no matches, as sacrebleu's `smooth_method` (Chen & Cherry, 2014).
public enum BLEUSmoothing: Sendable, Equatable {
    /// No smoothing: a zero precision makes the score 0.
    case none
    /// A zero precision becomes value / total (sacrebleu's default value: 0.1).
    case floor(Double)
    /// Adds k to the matches and totals of orders 2 and up (sacrebleu's default k: 1).
    case addK(Double)
    /// sacrebleu's default (mteval-v13a's NIST method): the i-th order with no match gets precision 1 / (2^i · total).
    case exp
}

/// A corpus BLEU score and the numbers sacrebleu prints with it. Built from the sufficient statistics that
/// `CorpusBLEU` accumulates, by sacrebleu's `BLEU.compute_bleu` rules:
/// - brevity penalty exp(1 − r/c) when the hypotheses are shorter than the references (c < r), 0 when c = 0;
/// - no matching n-gram of any order: score 0 and every precision shown as 0;
/// - an order whose hypotheses have no n-grams (all shorter than n) ends the precisions there; without
///   `effectiveOrder` the missing precisions count as 0, so the score is 0; with it, the geometric mean is
///   taken over the orders present.
public struct BLEUScore: Sendable, Equatable, CustomStringConvertible {
    /// BLEU in 0…100.
    public let score: Double
    /// Modified n-gram precisions in percent, orders 1…maxOrder (after smoothing).
    public let precisions: [Double]
    /// Clipped n-gram matches per order, as counted (before any add-k smoothing).
    public let matches: [Int]
    /// Hypothesis n-grams per order.
    public let totals: [Int]
    public let brevityPenalty: Double
    /// Total hypothesis tokens (sacrebleu's sys_len).
    public let hypothesisLength: Int
    /// Total closest-reference tokens (sacrebleu's ref_len).
    public let referenceLength: Int

    public init(matches: [Int], totals: [Int], hypothesisLength: Int, referenceLength: Int,
                smoothing: BLEUSmoothing = .exp, effectiveOrder: Bool = false) {
        precondition(!matches.isEmpty && matches.count == totals.count, "BLEUScore: \(matches.count) match counts "
                     + "for \(totals.count) totals")
        self.matches = matches
        self.totals = totals
        self.hypothesisLength = hypothesisLength
        self.referenceLength = referenceLength
        var bp = 1.0
        if hypothesisLength < referenceLength {
            bp = hypothesisLength > 0 ? Foundation.exp(1 - Double(referenceLength) / Double(hypothesisLength)) : 0
        }
        brevityPenalty = bp
        let maxOrder = matches.count
        var precisions = Array(repeating: 0.0, count: maxOrder)
        guard matches.contains(where: { $0 != 0 }) else {
            self.precisions = precisions
            score = 0
            return
        }
        var correct = matches.map(Double.init), total = totals.map(Double.init)
        var halvings = 1.0
        var order = maxOrder
        for n in 0..<maxOrder {
            if case .addK(let k) = smoothing, n > 0 {
                correct[n] += k
                total[n] += k
            }
            if total[n] == 0 { break }
            if effectiveOrder { order = n + 1 }
            if correct[n] == 0 {
                switch smoothing {
                case .exp:
                    halvings *= 2
                    precisions[n] = 100 / (halvings * total[n])
                case .floor(let value):
                    precisions[n] = 100 * value / total[n]
                case .none, .addK:
                    break
                }
            } else {
                precisions[n] = 100 * correct[n] / total[n]
            }
        }
        self.precisions = precisions
        // sacrebleu floors log(0) at -9999999999, which drives the score to exactly 0.
        let used = precisions[..<order]
        score = used.contains(0) ? 0 : bp * Foundation.exp(used.reduce(0) { $0 + Foundation.log($1) } / Double(order))
    }

    /// Hypothesis length over reference length (0 when there are no reference tokens), as sacrebleu reports it.
    public var ratio: Double { referenceLength == 0 ? 0 : Double(hypothesisLength) / Double(referenceLength) }

    /// sacrebleu's line: `BLEU = 35.21 60.0/40.0/30.0/20.0 (BP = 1.000 ratio = 1.000 hyp_len = 10 ref_len = 10)`,
    /// the score with `width` decimals.
    public func formatted(width: Int = 2) -> String {
        "BLEU = \(fixed(score, width)) " + precisions.map { fixed($0, 1) }.joined(separator: "/")
            + " (BP = \(fixed(brevityPenalty, 3)) ratio = \(fixed(ratio, 3)) hyp_len = \(hypothesisLength) "
            + "ref_len = \(referenceLength))"
    }

    public var description: String { formatted() }
}
