import Foundation
import Testing

/// metrics.json, written by scripts/make_metric_fixtures.py from scikit-learn and sacrebleu.
struct MetricFixtures: Decodable, Sendable {
    struct Versions: Decodable, Sendable {
        let sklearn: String
        let sacrebleu: String
    }

    struct ClassificationCase: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let numClasses: Int
        let yTrue: [Int]
        let yPred: [Int]
        let labels: [Int]
        let labelsGiven: Bool
        let precision: [Double]
        let recall: [Double]
        let f1: [Double]
        let support: [Int]
        let accuracy: Double
        let confusion: [[Int]]?
        let micro: [Double]
        let macro: [Double]
        let weighted: [Double]
        let microIsAccuracy: Bool
        let targetNames: [String]?
        let report: [String: String]?

        var testDescription: String { name }

        /// Class names: the case's target names for its labels, the label itself for other classes.
        var classNames: [String] {
            var names = (0..<numClasses).map(String.init)
            if let targetNames {
                for (label, name) in zip(labels, targetNames) { names[label] = name }
            }
            return names
        }
    }

    struct BLEUCase: Decodable, Sendable, CustomTestStringConvertible {
        struct Options: Decodable, Sendable {
            let smoothMethod: String
            let smoothValue: Double?
            let effectiveOrder: Bool
        }

        let name: String
        let hypotheses: [[Int]]
        let references: [[[Int]]]
        let options: Options
        let score: Double
        let counts: [Int]
        let totals: [Int]
        let precisions: [Double]
        let bp: Double
        let sysLen: Int
        let refLen: Int
        let format: String

        var testDescription: String { name }
    }

    let versions: Versions
    let classification: [ClassificationCase]
    let bleu: [BLEUCase]

    static let shared: MetricFixtures = {
        guard let url = Bundle.module.url(forResource: "Fixtures/metrics.json", withExtension: nil) else {
            fatalError("Fixtures/metrics.json is missing from the test bundle")
        }
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(MetricFixtures.self, from: Data(contentsOf: url))
        } catch {
            fatalError("Fixtures/metrics.json: \(error)")
        }
    }()
}

/// Expects |actual − expected| ≤ 1e-9 · max(|actual|, |expected|): the references compute the same exact
/// formulas in Double, so only rounding in a different summation order may differ.
func expectClose(_ actual: Double, _ expected: Double, _ what: @autoclosure () -> String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    let close = actual == expected || abs(actual - expected) <= 1e-9 * max(abs(actual), abs(expected))
    #expect(close, "\(what()): \(actual) != \(expected)", sourceLocation: sourceLocation)
}

func expectClose(_ actual: [Double], _ expected: [Double], _ what: @autoclosure () -> String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what()): \(actual.count) values for \(expected.count)",
            sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        expectClose(a, e, "\(what())[\(i)]", sourceLocation: sourceLocation)
    }
}
