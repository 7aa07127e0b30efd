import Foundation
import LemmaTrain
import Testing

/// The LR finder's schedule, smoothing, stopping and suggestions against fastai's own `lr_find` runs and
/// suggestion functions (scripts/make_lr_finder_fixtures.py → Fixtures/lr_finder.json).
struct LearningRateFinderTests {
    static let fixture = try! LearningRateFinderFixture.load()

    /// fastai's suggestions are float32 learning rates (lr_find makes float32 tensors of them).
    static let float32Tolerance = 1e-6
    /// fastai's smoothed losses are float32, and torch.lerp rounds the weight to float32 too: its 1 − 0.98 is
    /// 0.019999981, 9.5e-7 below 0.02, which shows undamped in the first debiased values. Ours are exact.
    static let smoothingTolerance = 2e-6

    @Test(arguments: fixture.sweeps)
    func sweepMatchesFastaiLRFind(_ case_: LearningRateFinderFixture.Sweep) throws {
        var sweep = LearningRateSweep(start: case_.startLr, end: case_.endLr, iterations: case_.numIt)
        for loss in case_.losses {
            let goOn = sweep.record(loss: loss)
            if !goOn { break }
        }
        #expect(sweep.isFinished)
        // fastai trains on through NaN; we stop at the first one, with the same record up to there.
        let firstNaN = case_.recordedLosses.firstIndex(where: \.isNaN)
        let expectedCount = firstNaN.map { $0 + 1 } ?? case_.recordedLosses.count
        #expect(sweep.smoothedLosses.count == expectedCount)
        #expect(sweep.stopReason == (firstNaN != nil ? .lossIsNaN
            : expectedCount < max(6, case_.numIt) ? .diverged : .completed))
        for (ours, theirs) in zip(sweep.learningRates, case_.recordedLrs) {
            #expect(closeEnough(ours, theirs, relative: 1e-14), "lr \(ours) vs fastai \(theirs)")
        }
        for (index, (ours, theirs)) in zip(sweep.smoothedLosses, case_.recordedLosses).enumerated() {
            #expect(closeEnough(ours, theirs, relative: Self.smoothingTolerance), "smoothed loss \(index): \(ours) vs fastai \(theirs)")
        }

        let results = sweep.suggestions(LearningRateSuggestion.allCases)
        for method in LearningRateSuggestion.allCases {
            let expected = try #require(case_.suggestions[method.rawValue], "fixture lacks \(method)")
            let ours = results.first { $0.method == method }
            if let expected {
                let ours = try #require(ours, "no \(method) suggestion; fastai suggests \(expected)")
                #expect(closeEnough(ours.learningRate, expected, relative: Self.float32Tolerance),
                        "\(method): \(ours.learningRate) vs fastai \(expected)")
            } else {
                #expect(ours == nil, "\(method): fastai cannot suggest on this run, we did")
            }
        }
    }

    @Test func sweepInputIsLRFindSlice() throws {
        // The exact arrays lr_find passed to the functions, for each sweep (the first function cases).
        for case_ in Self.fixture.sweeps {
            let functionCase = try #require(Self.fixture.functions.first { $0.name == "lr_find:\(case_.name)" })
            var sweep = LearningRateSweep(start: case_.startLr, end: case_.endLr, iterations: case_.numIt)
            for loss in case_.losses {
                let goOn = sweep.record(loss: loss)
                if !goOn { break }
            }
            let input = sweep.suggestionInput
            #expect(input.learningRates.count == functionCase.lrs.count, "\(case_.name)")
            for (ours, theirs) in zip(input.learningRates, functionCase.lrs) {
                #expect(closeEnough(ours, theirs, relative: 1e-14))
            }
            for (ours, theirs) in zip(input.losses, functionCase.losses) {
                #expect(closeEnough(ours, theirs, relative: Self.smoothingTolerance))
            }
        }
    }

    @Test(arguments: fixture.functions)
    func functionsMatchFastai(_ case_: LearningRateFinderFixture.FunctionCase) {
        let expectations: [(LearningRateSuggestion, LearningRateFinderFixture.Suggestion?)] =
            [(.valley, case_.valley), (.steep, case_.steep), (.minimum, case_.minimum), (.slide, case_.slide)]
        for (method, expected) in expectations {
            let ours = method.suggest(learningRates: case_.lrs, losses: case_.losses)
            guard let expected else {
                #expect(ours == nil, "\(method): fastai raises on this input, we suggested \(String(describing: ours))")
                continue
            }
            guard let ours else {
                Issue.record("\(method): no suggestion; fastai suggests \(expected.learningRate)")
                continue
            }
            // Same float64 inputs as fastai: only the last bits of log/exp may differ.
            #expect(closeEnough(ours.learningRate, expected.learningRate, relative: 1e-12), "\(method) lr")
            #expect(closeEnough(ours.markerLearningRate, expected.markerLearningRate, relative: 1e-12), "\(method) marker lr")
            #expect(closeEnough(ours.markerLoss, expected.markerLoss, relative: 1e-12), "\(method) marker loss")
        }
    }

    @Test func plottedLinesStandAtTheSuggestedRatesTheirLabelsName() throws {
        // A U-shaped curve: the loss minimum and fastai's `minimum` suggestion (a tenth of it) differ.
        var sweep = LearningRateSweep(start: 1e-6, end: 1, iterations: 60)
        for i in 0..<60 { _ = sweep.record(loss: 2 + pow(Double(i - 40) / 20, 2)) }
        let record = LearningRateFinderRecord(sweep)
        let minimum = try #require(record.suggestions["minimum"])
        #expect(minimum < (record.markers["minimum"]?.first ?? 0) / 5)
        let markers = record.plot().markers
        #expect(markers.count == record.suggestions.count)
        for marker in markers {
            let name = String(marker.label.split(separator: " ")[0])
            let value = try #require(record.suggestions[name])
            #expect(marker.x == value, "\(name): line at \(marker.x), suggestion \(value)")
            #expect(marker.label == "\(name) \(String(format: "%.1e", value))")
        }
    }

    @Test func defaultScheduleIsFastaisExponential() {
        let sweep = LearningRateSweep()
        #expect(sweep.iterations == 100)
        #expect(sweep.learningRate(at: 0) == 1e-7)
        // Position i / 100: the 100th step would reach 10, the last one run (i = 99) stops just short.
        #expect(closeEnough(sweep.learningRate(at: 50), 1e-7 * pow(1e8, 0.5), relative: 1e-15))
        #expect(closeEnough(sweep.learningRate(at: 100), 10, relative: 1e-14))
        #expect(sweep.learningRate(at: 99) < 10)
        #expect(LearningRateSweep(iterations: 3).iterations == 6)  // fastai's minimum
    }

    @Test func smoothingIsDebiasedAverage() {
        var sweep = LearningRateSweep()
        sweep.record(loss: 2)
        #expect(closeEnough(sweep.smoothedLosses[0], 2, relative: 1e-14))  // debiasing undoes the zero start
        sweep.record(loss: 1)
        // (0.98 · 0.02 · 2 + 0.02 · 1) / (1 − 0.98²)
        #expect(closeEnough(sweep.smoothedLosses[1], (0.98 * 0.02 * 2 + 0.02) / (1 - 0.98 * 0.98), relative: 1e-14))
        #expect(sweep.learningRates == [sweep.learningRate(at: 0), sweep.learningRate(at: 1)])
        #expect(sweep.learningRateForNextStep == sweep.learningRate(at: 2))
    }

    @Test func stopsOnNaNAndOnDivergenceOnlyWhenAsked() {
        // `record` is mutating, which #expect cannot call inside: keep the results first.
        var nan = LearningRateSweep()
        let nanResults = [nan.record(loss: 1), nan.record(loss: .nan)]
        #expect(nanResults == [true, false])
        #expect(nan.stopReason == .lossIsNaN)

        var diverging = LearningRateSweep(stopOnDivergence: false)
        let divergingResults = [1.0, 100, 1000].map { diverging.record(loss: $0) }
        #expect(divergingResults == [true, true, true])
        #expect(diverging.stopReason == nil)
        var stopping = LearningRateSweep()
        let stoppingResults = [stopping.record(loss: 1), stopping.record(loss: 1000)]
        #expect(stoppingResults == [true, false])
        #expect(stopping.stopReason == .diverged)
    }

    @Test func tooFewPointsGiveNoSuggestion() {
        var sweep = LearningRateSweep()
        for loss in [3.0, 2.0, 1.0] { sweep.record(loss: loss) }
        // 3 recorded of 100: lr_find's slice [10:-5] is empty.
        #expect(sweep.suggestionInput.learningRates.isEmpty)
        #expect(sweep.suggestions(LearningRateSuggestion.allCases).isEmpty)
    }
}
