/// Precision, recall, F1 and support of one class or of one average; its JSON keys are those of
/// `lemma eval --json` (`precision`, `recall`, `f1`, `support`).
public struct ClassScores: Sendable, Equatable, Codable {
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// True examples of the class (for an average: of all the classes averaged).
    public var support: Int

    public init(precision: Double, recall: Double, f1: Double, support: Int) {
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
    }

    /// The scores from counts: true positives, predictions of the class, and its true examples. Each ratio is 0
    /// when its denominator is, as sklearn with `zero_division=0`; F1 is 2·tp / (support + predicted), which
    /// equals 2PR/(P+R) and is sklearn's own formula.
    public init(truePositives tp: Int, predicted: Int, support: Int) {
        self.init(precision: ratio(Double(tp), Double(predicted)),
                  recall: ratio(Double(tp), Double(support)),
                  f1: ratio(2 * Double(tp), Double(support + predicted)),
                  support: support)
    }
}

/// n / d, or 0 when d is 0 (sklearn's zero_division=0).
func ratio(_ n: Double, _ d: Double) -> Double { d == 0 ? 0 : n / d }
