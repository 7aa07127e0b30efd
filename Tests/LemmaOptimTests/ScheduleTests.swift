import LemmaOptim
import LemmaTensor
import Testing

/// Learning-rate schedules against references: HF's warmup schedules and fastai's one-cycle computed in
/// scripts/make_optim_fixtures.py from their definitions, ReduceLROnPlateau run by PyTorch.
struct ScheduleTests {
    let base = try! Fixtures.tensor("schedule.base").scalars

    /// Rows of a [steps, groups] table.
    func rows(_ name: String) throws -> [[Float]] {
        let table = try Fixtures.tensor(name)
        let width = table.shape[1], values = table.scalars
        return (0..<table.shape[0]).map { Array(values[($0 * width)..<(($0 + 1) * width)]) }
    }

    func twoGroupSGD() throws -> SGD {
        try SGD(groups: [ParameterGroup([Tensor([1], requiresGrad: true)], .init(learningRate: base[0])),
                         ParameterGroup([Tensor([1], requiresGrad: true)], .init(learningRate: base[1]))])
    }

    /// Compares `learningRate(atStep:group:)` with the table, and what `apply` sets on an optimizer.
    func expectSequence(_ schedule: some LearningRateSchedule, _ name: String) throws {
        let optimizer = try twoGroupSGD()
        let expected = try rows(name)
        #expect(expected.count > 2)
        for (step, row) in expected.enumerated() {
            let lrs = (0..<2).map { schedule.learningRate(atStep: step, group: $0) }
            expectClose(lrs, row, "\(name) step \(step)")
            schedule.apply(to: optimizer, step: step)
            #expect(optimizer.learningRates == lrs)
        }
    }

    @Test func linearWarmupMatchesHuggingFace() throws {
        try expectSequence(LinearWarmupSchedule(baseLearningRates: base, warmupSteps: 3, totalSteps: 10), "schedule.linear")
    }

    @Test func cosineWarmupMatchesHuggingFace() throws {
        try expectSequence(CosineWarmupSchedule(baseLearningRates: base, warmupSteps: 3, totalSteps: 10), "schedule.cosine")
    }

    /// Hugging Face's warm-up schedules take a warm-up longer than the run as it is: a 3-step run with 200 steps of
    /// warm-up climbs 1/200 of the way each step and ends far below the base rate (it is not squeezed into 3 steps).
    @Test func aWarmupLongerThanTheRunNeverReachesTheBaseRate() throws {
        let schedules: [any LearningRateSchedule] = [
            try LinearWarmupSchedule(baseLearningRates: base, warmupSteps: 200, totalSteps: 3),
            try CosineWarmupSchedule(baseLearningRates: base, warmupSteps: 200, totalSteps: 3)]
        for schedule in schedules {
            for step in 0..<3 {
                expectClose((0..<2).map { schedule.learningRate(atStep: step, group: $0) }, base.map { $0 * Float(step) / 200 },
                            "\(type(of: schedule)) step \(step)")
            }
        }
    }

    @Test func constantScheduleKeepsTheBaseRates() throws {
        let schedule = try ConstantSchedule(baseLearningRates: base)
        let optimizer = try twoGroupSGD()
        optimizer.setLearningRate(7, group: 1)
        schedule.apply(to: optimizer, step: 123)
        #expect(optimizer.learningRates == base)
        #expect(schedule.stateDict().isEmpty)
    }

    @Test func oneCycleMatchesFastai() throws {
        let schedule = try OneCycleSchedule(maxLearningRates: base, totalSteps: 20)
        try expectSequence(schedule, "schedule.one_cycle.lr")
        let momenta = try Fixtures.tensor("schedule.one_cycle.momentum").scalars
        #expect(momenta.count == 20)
        let sgd = try SGD([Tensor([1], requiresGrad: true)], .init(momentum: 0.9))
        let adam = try Adam(groups: [ParameterGroup([Tensor([1], requiresGrad: true)], AdamOptions()),
                                     ParameterGroup([Tensor([1], requiresGrad: true)], AdamOptions())])
        for (step, expected) in momenta.enumerated() {
            expectClose([schedule.momentum(atStep: step)!], [expected], "momentum step \(step)")
            schedule.apply(to: adam, step: step)
            #expect(adam.groups.map(\.options.beta1) == [schedule.momentum(atStep: step)!, schedule.momentum(atStep: step)!])
            try OneCycleSchedule(maxLearningRates: [0.1], totalSteps: 20).apply(to: sgd, step: step)
            #expect(sgd.groups[0].options.momentum == schedule.momentum(atStep: step)!)
        }
    }

    @Test func oneCycleLeavesOptimizersWithoutMomentumAlone() throws {
        let adafactor = try Adafactor([Tensor([1], requiresGrad: true)])
        try OneCycleSchedule(maxLearningRates: [0.1], totalSteps: 20).apply(to: adafactor, step: 5)
        #expect(adafactor.momentum(group: 0) == nil)
        #expect(adafactor.learningRates[0] > 0.01)
    }

    static let plateauConfigs: [(String, ReduceLROnPlateau.Mode, Double, Int, Double, ReduceLROnPlateau.ThresholdMode, Int, [Float])] = [
        ("min_rel", .min, 0.5, 2, 0.02, .relative, 1, [0.01, 0.004]),
        ("max_abs", .max, 0.3, 0, 0.05, .absolute, 0, [0]),
    ]

    func plateau(_ index: Int) throws -> ReduceLROnPlateau {
        let (_, mode, factor, patience, threshold, thresholdMode, cooldown, floors) = Self.plateauConfigs[index]
        return try ReduceLROnPlateau(baseLearningRates: base, mode: mode, factor: factor, patience: patience,
                                     threshold: threshold, thresholdMode: thresholdMode, cooldown: cooldown,
                                     minLearningRates: floors)
    }

    @Test(arguments: 0..<2)
    func reduceOnPlateauMatchesPyTorch(_ index: Int) throws {
        let label = Self.plateauConfigs[index].0
        let schedule = try plateau(index)
        let optimizer = try twoGroupSGD()
        let metrics = try Fixtures.tensor("schedule.plateau.metrics").scalars
        let expected = try rows("schedule.plateau.\(label)")
        #expect(Set(expected.map { $0[0] }).count > 2, "the reference should cut the rate more than once")
        for (i, metric) in metrics.enumerated() {
            schedule.step(metric: metric)
            expectClose(schedule.learningRates, expected[i], rtol: 1e-5, atol: 0, "\(label) after metric \(i)")
            schedule.apply(to: optimizer, step: i)
            #expect(optimizer.learningRates == schedule.learningRates)
        }
    }

    @Test func reduceOnPlateauResumesFromItsStateDict() throws {
        let metrics = try Fixtures.tensor("schedule.plateau.metrics").scalars
        let expected = try rows("schedule.plateau.min_rel")
        let first = try plateau(0)
        for metric in metrics.prefix(9) { first.step(metric: metric) }
        var resumed: any LearningRateSchedule = try plateau(0)
        try resumed.loadStateDict(first.stateDict())
        let plateau = resumed as! ReduceLROnPlateau
        #expect(plateau.best == first.best && plateau.cooldownCounter == first.cooldownCounter)
        for (i, metric) in metrics.enumerated().dropFirst(9) {
            plateau.step(metric: metric)
            expectClose(plateau.learningRates, expected[i], rtol: 1e-5, atol: 0, "resumed after metric \(i)")
        }
    }

    @Test func scheduleStateDictsAreChecked() throws {
        var schedule = try ConstantSchedule(baseLearningRates: [0.1])
        #expect(throws: OptimizerError("ConstantSchedule state dict: unexpected key 'best'")) {
            try schedule.loadStateDict(["best": Tensor(scalar: 1)])
        }
        let plateau = try plateau(0)
        var state = plateau.stateDict()
        state["learning_rates"] = Tensor([0.1, 0.1, 0.1])
        #expect(throws: OptimizerError("ReduceLROnPlateau state dict: 'learning_rates' has shape [3], expected [2]")) {
            try plateau.loadStateDict(state)
        }
    }
}
