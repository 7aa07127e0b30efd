import Foundation
import Testing

/// Loads a JSON fixture from the test bundle; "nan", "inf" and "-inf" strings stand for those numbers.
func loadReportingFixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil),
                           "Fixtures/\(name) is missing from the test bundle")
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try decoder.decode(T.self, from: Data(contentsOf: url))
}

func fixtureData(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil),
                           "Fixtures/\(name) is missing from the test bundle")
    return try Data(contentsOf: url)
}

/// tensorboard_scalars.json, written by scripts/make_tensorboard_fixtures.py beside the event file.
struct TensorBoardFixture: Decodable {
    struct Scalar: Decodable {
        let tag: String
        let value: Double
        let step: Int
        let wallTime: Double
    }

    struct Resumed: Decodable {
        let fileVersionWallTime: Double
        let purgeStep: Int
        let scalars: [Scalar]
    }

    let fileVersionWallTime: Double
    let sourceWriter: String
    let scalars: [Scalar]
    let resumed: Resumed
}

/// lr_finder.json, written by scripts/make_lr_finder_fixtures.py from fastai's own lr_find and functions.
struct LearningRateFinderFixture: Decodable {
    struct Sweep: Decodable, CustomTestStringConvertible {
        let name: String
        let startLr: Double
        let endLr: Double
        let numIt: Int
        let losses: [Double]
        let recordedLrs: [Double]
        let recordedLosses: [Double]
        let suggestions: [String: Double?]

        var testDescription: String { name }
    }

    /// fastai's `(suggestion, (marker lr, marker loss))`.
    struct Suggestion: Decodable {
        let learningRate: Double
        let markerLearningRate: Double
        let markerLoss: Double

        init(from decoder: Decoder) throws {
            var outer = try decoder.unkeyedContainer()
            learningRate = try outer.decode(Double.self)
            var marker = try outer.nestedUnkeyedContainer()
            markerLearningRate = try marker.decode(Double.self)
            markerLoss = try marker.decode(Double.self)
        }
    }

    struct FunctionCase: Decodable, CustomTestStringConvertible {
        let name: String
        let lrs: [Double]
        let losses: [Double]
        let valley: Suggestion?
        let steep: Suggestion?
        let minimum: Suggestion?
        let slide: Suggestion?

        var testDescription: String { name }
    }

    let sweeps: [Sweep]
    let functions: [FunctionCase]

    static func load() throws -> LearningRateFinderFixture {
        try loadReportingFixture("lr_finder.json", as: LearningRateFinderFixture.self)
    }
}

/// Whether `a` and `b` agree to `relative` tolerance (NaN equals NaN, infinities must match exactly).
func closeEnough(_ a: Double, _ b: Double, relative: Double) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    if a.isInfinite || b.isInfinite { return a == b }
    return abs(a - b) <= relative * max(abs(a), abs(b))
}
