import Foundation
import LemmaTrain
import Testing

/// Hand-checked classification results, the JSON contract of `lemma eval --json` and the text renderings.
struct ClassificationReportTests {
    /// theorem: 2 true, both right; proof: 2 true, 1 right, 1 → definition; definition: 1 true, predicted as
    /// proof; remark: never seen.
    static func example() -> ClassificationMetrics {
        var metrics = ClassificationMetrics(classNames: ["theorem", "proof", "definition", "remark"])
        metrics.add(predictedNames: ["theorem", "theorem", "proof", "definition", "proof"],
                    targetNames: ["theorem", "theorem", "proof", "proof", "definition"])
        return metrics
    }

    @Test func handComputedScores() throws {
        let report = Self.example().report()
        let proof = try #require(report.scores(of: "proof"))
        #expect(proof == ClassScores(precision: 0.5, recall: 0.5, f1: 0.5, support: 2))
        #expect(report.scores(of: "definition") == ClassScores(precision: 0, recall: 0, f1: 0, support: 1))
        #expect(report.scores(of: "remark") == ClassScores(precision: 0, recall: 0, f1: 0, support: 0))
        #expect(report.accuracy == 0.6)
        #expect(report.macro.f1 == 1.5 / 4)
        #expect(report.weighted.f1 == 3.0 / 5)  // (2 · 1 + 2 · 0.5) / 5
        #expect(report.microIsAccuracy)
    }

    @Test func summaryEncodesTheEvalJSONContract() throws {
        let summary = Self.example().summary
        let data = try JSONEncoder().encode(summary)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["accuracy", "macro_f1", "weighted_f1", "per_class"])
        #expect(object["accuracy"] as? Double == 0.6)
        #expect(object["macro_f1"] as? Double == 0.375)
        let perClass = try #require(object["per_class"] as? [String: [String: Any]])
        #expect(Set(perClass.keys) == ["theorem", "proof", "definition", "remark"])
        #expect(Set(perClass["proof"]!.keys) == ["precision", "recall", "f1", "support"])
        #expect(perClass["theorem"]!["support"] as? Int == 2)
        #expect(try JSONDecoder().decode(ClassificationSummary.self, from: data) == summary)
    }

    @Test func descriptionUsesFourDigitsAndSklearnLayout() {
        // sklearn's classification_report(..., digits=4, zero_division=0) on the same labels, as it printed it.
        let expected = [
            "              precision    recall  f1-score   support",
            "",
            "     theorem     1.0000    1.0000    1.0000         2",
            "       proof     0.5000    0.5000    0.5000         2",
            "  definition     0.0000    0.0000    0.0000         1",
            "      remark     0.0000    0.0000    0.0000         0",
            "",
            "    accuracy                         0.6000         5",
            "   macro avg     0.3750    0.3750    0.3750         5",
            "weighted avg     0.6000    0.6000    0.6000         5",
        ].joined(separator: "\n") + "\n"
        #expect(Self.example().report().description == expected)
    }

    @Test func leavingOutAnOccurringClassPrintsMicroAverage() {
        let report = Self.example().report(labels: [0, 1], digits: 2)
        #expect(!report.microIsAccuracy)
        #expect(report.micro == ClassScores(precision: 3.0 / 4, recall: 3.0 / 4, f1: 0.75, support: 4))
        #expect(report.description.contains("   micro avg       0.75      0.75      0.75         4\n"))
        #expect(!report.description.contains("accuracy"))
    }

    @Test func confusionMatrixRendersAlignedColumnsWithNames() {
        let confusion = Self.example().confusion
        #expect(confusion.rows() == [[2, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0]])
        #expect(confusion[target: 1, predicted: 2] == 1)
        #expect(confusion.description.split(separator: "\n") == [
            "true \\ predicted  theorem  proof  definition  remark",
            "         theorem        2      0           0       0",
            "           proof        0      1           1       0",
            "      definition        0      1           0       0",
            "          remark        0      0           0       0",
        ])
        #expect(confusion.render(labels: [1, 2]) == """
            true \\ predicted  proof  definition
                       proof      1           1
                  definition      1           0

            """)
    }

    @Test func wideCountsWidenTheirColumn() {
        var confusion = ConfusionMatrix(classNames: ["a", "b"])
        confusion.add(predictions: Array(repeating: 1, count: 12345), targets: Array(repeating: 0, count: 12345))
        let lines = confusion.render().split(separator: "\n")
        #expect(lines[0] == "true \\ predicted  a      b")
        #expect(lines[1] == "               a  0  12345")
    }

    @Test func emptyMetricsScoreZero() {
        let metrics = ClassificationMetrics(classCount: 3)
        #expect(metrics.accuracy == 0)
        #expect(metrics.report().macro == ClassScores(precision: 0, recall: 0, f1: 0, support: 0))
        #expect(Accuracy().value == 0)
    }

    @Test func accuracyAccumulatesAndMerges() {
        var a = Accuracy()
        a.add(predictions: ["x", "y", "z"], targets: ["x", "y", "y"])
        var b = Accuracy()
        b.add(predictions: [1], targets: [2])
        a.merge(b)
        #expect(a.correct == 2 && a.total == 4 && a.value == 0.5)
    }
}
