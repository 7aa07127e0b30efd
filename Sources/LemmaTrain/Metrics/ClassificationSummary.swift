/// The classification results `lemma eval --json` writes:
/// `{"accuracy": …, "macro_f1": …, "weighted_f1": …, "per_class": {name: {precision, recall, f1, support}}}`.
public struct ClassificationSummary: Sendable, Equatable, Codable {
    /// Correct predictions over all examples.
    public var accuracy: Double
    public var macroF1: Double
    public var weightedF1: Double
    /// Scores keyed by class name.
    public var perClass: [String: ClassScores]

    public init(accuracy: Double, macroF1: Double, weightedF1: Double, perClass: [String: ClassScores]) {
        self.accuracy = accuracy
        self.macroF1 = macroF1
        self.weightedF1 = weightedF1
        self.perClass = perClass
    }

    enum CodingKeys: String, CodingKey {
        case accuracy
        case macroF1 = "macro_f1"
        case weightedF1 = "weighted_f1"
        case perClass = "per_class"
    }
}
