import Foundation
import LemmaOptim
import LemmaTensor
import Testing

/// Checkpoint and resume: saving after 2 steps, restoring into a fresh optimizer over fresh parameters and
/// taking 3 more steps must reproduce an uninterrupted 5-step run bit for bit.
struct StateDictTests {
    @Test(arguments: OptimizerCase.cases)
    func resumedRunEqualsUninterruptedRun(_ c: OptimizerCase) throws {
        // Both runs change group 0's learning rate and momentum before step 2, as a schedule would: the
        // resumed run only matches if the state dict carried them.
        func adjust(_ optimizer: any Optimizer) {
            optimizer.setLearningRate(optimizer.learningRate(group: 0) * 0.5, group: 0)
            optimizer.setMomentum(0.7, group: 0)
        }
        let straight = try Fixtures.parameters()
        let reference = try c.make(straight)
        try train(reference, straight, steps: 2)
        adjust(reference)
        try train(reference, straight, from: 2, steps: 3)

        let first = try Fixtures.parameters()
        let optimizer = try c.make(first)
        try train(optimizer, first, steps: 2)
        adjust(optimizer)
        let saved = try throughFile(optimizer.stateDict())

        let resumed = try Fixtures.parameters()
        for name in Fixtures.names { resumed[name]!.withUnsafeMutableBufferPointer { _ = $0.update(from: first[name]!.scalars) } }
        let restored = try c.make(resumed)
        try restored.loadStateDict(saved)
        #expect(restored.learningRates == optimizer.learningRates)
        try train(restored, resumed, from: 2, steps: 3)
        for name in Fixtures.names {
            #expect(resumed[name]!.scalars == straight[name]!.scalars, "\(c.name): \(name) differs after resuming")
        }
        #expect(Set(restored.stateDict().keys) == Set(reference.stateDict().keys))
    }

    /// A checkpoint goes to disk as safetensors; the round trip must keep every bit.
    func throughFile(_ state: [String: Tensor]) throws -> [String: Tensor] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("optim-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.write(state, to: url)
        return try SafetensorsFile(url: url).floatTensors()
    }

    func trainedAdam(amsgrad: Bool = false) throws -> (Adam, [String: Tensor]) {
        let parameters = try Fixtures.parameters()
        let optimizer = try Adam(OptimizerCase.all(parameters), AdamOptions(learningRate: 0.01, amsgrad: amsgrad))
        try train(optimizer, parameters, steps: 2)
        return (optimizer, parameters)
    }

    func expectError(_ message: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        #expect(sourceLocation: sourceLocation) { try body() } throws: { error in
            (error as? OptimizerError)?.message == message
        }
    }

    @Test func stateDictHoldsEveryPieceOfState() throws {
        let (optimizer, _) = try trainedAdam(amsgrad: true)
        let keys = Set(optimizer.stateDict().keys)
        var expected: Set<String> = ["param_groups.0.lr", "param_groups.0.beta1"]
        for i in 0..<3 {
            for name in ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"] { expected.insert("state.\(i).\(name)") }
        }
        #expect(keys == expected)
    }

    @Test func stateDictIsACopy() throws {
        let (optimizer, parameters) = try trainedAdam()
        let saved = optimizer.stateDict()
        let before = saved["state.0.exp_avg"]!.scalars
        try train(optimizer, parameters, from: 2, steps: 1)
        #expect(saved["state.0.exp_avg"]!.scalars == before)
        #expect(optimizer.stateDict()["state.0.exp_avg"]!.scalars != before)
    }

    @Test func missingKeyIsNamed() throws {
        let (plain, _) = try trainedAdam()
        let (amsgrad, _) = try trainedAdam(amsgrad: true)
        expectError("Adam state dict: missing 'state.0.max_exp_avg_sq', expected shape [4, 5]") {
            try amsgrad.loadStateDict(plain.stateDict())
        }
    }

    @Test func unexpectedKeyIsNamed() throws {
        let (optimizer, _) = try trainedAdam()
        var state = optimizer.stateDict()
        state["state.7.exp_avg"] = Tensor.zeros([2])
        expectError("Adam state dict: unexpected key 'state.7.exp_avg'") { try optimizer.loadStateDict(state) }
        let (amsgrad, _) = try trainedAdam(amsgrad: true)
        expectError("Adam state dict: unexpected key 'state.0.max_exp_avg_sq'") {
            try optimizer.loadStateDict(amsgrad.stateDict())
        }
    }

    @Test func wrongShapeIsNamed() throws {
        let (optimizer, _) = try trainedAdam()
        var state = optimizer.stateDict()
        state["state.0.exp_avg_sq"] = Tensor.zeros([5])
        expectError("Adam state dict: 'state.0.exp_avg_sq' has shape [5], expected [4, 5]") {
            try optimizer.loadStateDict(state)
        }
    }

    @Test func badStepAndLearningRateAreNamed() throws {
        let (optimizer, _) = try trainedAdam()
        var state = optimizer.stateDict()
        state["state.1.step"] = Tensor(scalar: 1.5)
        expectError("Adam state dict: 'state.1.step' is 1.5, expected a whole number of steps") {
            try optimizer.loadStateDict(state)
        }
        state = optimizer.stateDict()
        state["param_groups.0.lr"] = Tensor(scalar: -1)
        expectError("Adam state dict: lr is -1.0, must be a finite number >= 0") { try optimizer.loadStateDict(state) }
    }

    @Test func failedLoadChangesNothing() throws {
        let (optimizer, parameters) = try trainedAdam()
        let (twin, twinParameters) = try trainedAdam()
        var state = optimizer.stateDict()
        state["param_groups.0.lr"] = Tensor(scalar: 0.5)
        state["state.0.exp_avg"] = Tensor.zeros([4, 5])
        state["state.2.exp_avg"] = Tensor.zeros([3])
        #expect(throws: OptimizerError.self) { try optimizer.loadStateDict(state) }
        #expect(optimizer.learningRates == [0.01])
        try train(optimizer, parameters, from: 2, steps: 1)
        try train(twin, twinParameters, from: 2, steps: 1)
        #expect(parameters["w"]!.scalars == twinParameters["w"]!.scalars)
    }

    @Test func stateOfOneOptimizerDoesNotFitAnother() throws {
        let (adam, parameters) = try trainedAdam()
        let sgd = try SGD(OptimizerCase.all(parameters), .init(momentum: 0.9))
        #expect(throws: OptimizerError.self) { try sgd.loadStateDict(adam.stateDict()) }
    }
}
