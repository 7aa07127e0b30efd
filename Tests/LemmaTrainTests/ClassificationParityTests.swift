import LemmaTrain
import Testing

/// Every classification case against scikit-learn's precision_recall_fscore_support, accuracy_score,
/// confusion_matrix and classification_report (zero_division=0).
struct ClassificationParityTests {
    static let cases = MetricFixtures.shared.classification

    static func metrics(_ c: MetricFixtures.ClassificationCase) -> ClassificationMetrics {
        var metrics = ClassificationMetrics(classNames: c.classNames)
        metrics.add(predictions: c.yPred, targets: c.yTrue)
        return metrics
    }

    @Test(arguments: cases)
    func perClassScoresMatchSklearn(_ c: MetricFixtures.ClassificationCase) {
        let report = Self.metrics(c).report(labels: c.labels)
        #expect(report.rows.map(\.label) == c.labels)
        expectClose(report.rows.map(\.scores.precision), c.precision, "\(c.name) precision")
        expectClose(report.rows.map(\.scores.recall), c.recall, "\(c.name) recall")
        expectClose(report.rows.map(\.scores.f1), c.f1, "\(c.name) f1")
        #expect(report.rows.map(\.scores.support) == c.support, "\(c.name) support")
    }

    @Test(arguments: cases)
    func averagesMatchSklearn(_ c: MetricFixtures.ClassificationCase) {
        let report = Self.metrics(c).report(labels: c.labels)
        for (name, scores, expected) in [("micro", report.micro, c.micro), ("macro", report.macro, c.macro),
                                         ("weighted", report.weighted, c.weighted)] {
            expectClose([scores.precision, scores.recall, scores.f1], expected, "\(c.name) \(name)")
            #expect(scores.support == c.support.reduce(0, +), "\(c.name) \(name) support")
        }
        #expect(report.microIsAccuracy == c.microIsAccuracy, "\(c.name) accuracy row")
    }

    @Test(arguments: cases)
    func accuracyAndConfusionMatchSklearn(_ c: MetricFixtures.ClassificationCase) {
        let metrics = Self.metrics(c)
        expectClose(metrics.accuracy, c.accuracy, "\(c.name) accuracy")
        expectClose(metrics.report(labels: c.labels).accuracy, c.accuracy, "\(c.name) report accuracy")
        expectClose(Accuracy.of(predictions: c.yPred, targets: c.yTrue), c.accuracy, "\(c.name) Accuracy")
        if let confusion = c.confusion {
            #expect(metrics.confusion.rows(labels: c.labels) == confusion, "\(c.name) confusion")
        }
        #expect(metrics.count == c.yTrue.count)
    }

    /// Where the case let sklearn choose the labels, `presentLabels` must choose the same.
    @Test func presentLabelsAreSklearnsDefault() {
        let defaults = Self.cases.filter { !$0.labelsGiven }
        #expect(defaults.count >= 5)
        for c in defaults {
            #expect(Self.metrics(c).confusion.presentLabels == c.labels, "\(c.name)")
        }
    }

    @Test(arguments: cases.filter { $0.report != nil })
    func reportTextMatchesSklearn(_ c: MetricFixtures.ClassificationCase) throws {
        let report = Self.metrics(c).report(labels: c.labels)
        for (digits, text) in try #require(c.report) {
            #expect(report.render(digits: Int(digits)!) == text, "\(c.name) digits \(digits)")
        }
    }

    /// Batches of any size, and merged accumulators, give the same counts as adding everything at once.
    @Test(arguments: cases.filter { $0.yTrue.count >= 20 })
    func streamingEqualsOneShot(_ c: MetricFixtures.ClassificationCase) {
        var first = ClassificationMetrics(classNames: c.classNames)
        var second = first
        let half = c.yTrue.count / 2
        for start in stride(from: 0, to: half, by: 7) {
            let end = min(start + 7, half)
            first.add(predictions: Array(c.yPred[start..<end]), targets: Array(c.yTrue[start..<end]))
        }
        second.add(predictions: c.yPred[half...].map(Int32.init), targets: c.yTrue[half...].map(Int32.init))
        first.merge(second)
        #expect(first == Self.metrics(c))
    }

    /// The fixtures cover what they claim to, so passing them means something.
    @Test func fixturesCoverTheEdgeCases() {
        let cases = Self.cases
        #expect(cases.count >= 40)
        #expect(cases.contains { !$0.microIsAccuracy })
        #expect(cases.contains { $0.support.contains(0) })                              // a class with no support
        #expect(cases.contains { $0.support.allSatisfy { $0 == 0 } && $0.weighted == [0, 0, 0] })
        #expect(cases.contains { c in c.labels.indices.contains { c.precision[$0] == 0 && c.support[$0] > 0 } })
        #expect(cases.contains { $0.accuracy == 0 } && cases.contains { $0.accuracy == 1 })
        #expect(cases.contains { $0.macro[2] != $0.weighted[2] })
        #expect(cases.filter { $0.report != nil }.count >= 3)
    }
}
