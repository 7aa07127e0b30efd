import LemmaOptim
import LemmaTensor
import Testing

/// Every optimizer against PyTorch: the same start and gradients, the parameters compared after each of 5
/// steps. The frozen parameter must come through untouched and without state.
struct OptimizerParityTests {
    @Test(arguments: OptimizerCase.cases)
    func matchesPyTorchAfterEveryStep(_ c: OptimizerCase) throws {
        let parameters = try Fixtures.parameters()
        let optimizer = try c.make(parameters)
        let groups = try Fixtures.tensor("\(c.name).groups")
        #expect(optimizer.learningRates == (0..<groups.shape[0]).map { groups.scalars[2 * $0] })

        try train(optimizer, parameters, steps: Fixtures.steps) { step in
            for name in Fixtures.names {
                let expected = Fixtures.slice(try Fixtures.tensor("\(c.name).\(name)"), step)
                expectClose(parameters[name]!, expected, rtol: c.rtol, "\(c.name) step \(step) \(name)")
            }
        }
        #expect(parameters["frozen"]!.scalars == (try Fixtures.tensor("init.frozen")).scalars)
        let frozenIndex = optimizer.parameters.firstIndex { $0 === parameters["frozen"]! }!
        let frozenKeys = optimizer.stateDict().keys.filter { $0.hasPrefix("state.\(frozenIndex).") }
        #expect(frozenKeys.isEmpty, "frozen parameter has state \(frozenKeys)")
    }

    /// The fixture's gradients change every parameter by more than the tolerance, so the comparisons above
    /// could fail: a no-op optimizer would not pass them.
    @Test func fixtureUpdatesAreLargerThanTheTolerance() throws {
        for c in OptimizerCase.cases {
            for name in Fixtures.trained {
                let start = try Fixtures.tensor("init.\(name)")
                let end = Fixtures.slice(try Fixtures.tensor("\(c.name).\(name)"), Fixtures.steps - 1)
                #expect(!end.closeness(to: start, rtol: 1e-4, atol: 1e-5).isClose, "\(c.name) \(name) barely moves")
            }
        }
    }

    @Test func zeroGradDropsEveryGradient() throws {
        let parameters = try Fixtures.parameters()
        let optimizer = try SGD(OptimizerCase.all(parameters))
        try Fixtures.feedGradients(parameters, step: 0)
        #expect(parameters["w"]!.grad != nil)
        optimizer.zeroGrad()
        #expect(Fixtures.names.allSatisfy { parameters[$0]!.grad == nil })
    }

    @Test func stateIsPerParameterAndSkipsMissingGradients() throws {
        // b has no gradient at step 2, so after 3 steps its Adam step count is 2 while w's is 3.
        let parameters = try Fixtures.parameters()
        let optimizer = try Adam(OptimizerCase.all(parameters))
        try train(optimizer, parameters, steps: 3)
        let state = optimizer.stateDict()
        #expect(state["state.0.step"]!.item == 3)
        #expect(state["state.1.step"]!.item == 2)
        #expect(state["state.0.exp_avg"]!.shape == [4, 5])
    }

    @Test func adafactorKeepsFactoredStatisticsForMatrices() throws {
        let parameters = try Fixtures.parameters()
        let optimizer = try Adafactor(OptimizerCase.all(parameters))
        try train(optimizer, parameters, steps: 1)
        let state = optimizer.stateDict()
        #expect(state["state.0.row_var"]!.shape == [4, 1])
        #expect(state["state.0.col_var"]!.shape == [1, 5])
        #expect(state["state.0.variance"] == nil)
        #expect(state["state.1.variance"]!.shape == [5])
        #expect(state["state.2.row_var"]!.shape == [2, 3, 1])
        #expect(state["state.2.col_var"]!.shape == [2, 1, 4])
    }
}
