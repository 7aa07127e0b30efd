import LemmaOptim
import LemmaTensor
import Testing

/// Each optimizer configuration of scripts/make_optim_fixtures.py, built the same way in Lemma. `make` gets
/// the parameters by name and returns the optimizer.
struct OptimizerCase: CustomTestStringConvertible, Sendable {
    let name: String
    let rtol: Float
    let make: @Sendable ([String: Tensor]) throws -> any Optimizer
    var testDescription: String { name }

    init(_ name: String, rtol: Float = 1e-5, _ make: @escaping @Sendable ([String: Tensor]) throws -> any Optimizer) {
        self.name = name
        self.rtol = rtol
        self.make = make
    }

    /// One group holding every parameter, in the fixture's order.
    static func all(_ p: [String: Tensor]) -> [Tensor] { Fixtures.names.map { p[$0]! } }

    static let cases: [OptimizerCase] = [
        OptimizerCase("sgd") { try SGD(all($0), .init(learningRate: 0.1)) },
        OptimizerCase("sgd_momentum") { try SGD(all($0), .init(learningRate: 0.1, momentum: 0.9, dampening: 0.1)) },
        OptimizerCase("sgd_nesterov") {
            try SGD(all($0), .init(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true))
        },
        OptimizerCase("sgd_weight_decay") { try SGD(all($0), .init(learningRate: 0.1, weightDecay: 0.1)) },
        OptimizerCase("adam") { try Adam(all($0), AdamOptions(learningRate: 0.01)) },
        OptimizerCase("adam_l2") {
            try Adam(all($0), AdamOptions(learningRate: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1))
        },
        OptimizerCase("adam_amsgrad") {
            try Adam(all($0), AdamOptions(learningRate: 0.01, weightDecay: 0.01, amsgrad: true))
        },
        OptimizerCase("adamw") { try AdamW(all($0)) },
        OptimizerCase("adamw_amsgrad") {
            try AdamW(all($0), .adamW(learningRate: 0.01, weightDecay: 0.1, amsgrad: true))
        },
        OptimizerCase("rmsprop") { try RMSprop(all($0), .init(learningRate: 0.01)) },
        OptimizerCase("rmsprop_centered") {
            try RMSprop(all($0), .init(learningRate: 0.01, alpha: 0.9, eps: 1e-6, weightDecay: 0.01, momentum: 0.9,
                                       centered: true))
        },
        OptimizerCase("adafactor") { try Adafactor(all($0)) },
        OptimizerCase("adafactor_options") {
            try Adafactor(all($0), .init(learningRate: 0.05, beta2Decay: -0.5, eps1: 1e-3, eps2: 1e-2, d: 2,
                                         weightDecay: 0.1))
        },
        OptimizerCase("adafactor_maximize") { try Adafactor(all($0), .init(learningRate: 0.5, maximize: true)) },
        OptimizerCase("sgd_groups") { p in
            let defaults = SGD.Options(learningRate: 0.1, momentum: 0.9)
            return try SGD(groups: [
                ParameterGroup([p["w"]!, p["k"]!], defaults),
                ParameterGroup([p["b"]!, p["frozen"]!], defaults.with { $0.learningRate = 0.01; $0.momentum = 0.5 }),
            ])
        },
        OptimizerCase("adam_groups") { p in
            let defaults = AdamOptions(learningRate: 0.01)
            return try Adam(groups: [
                ParameterGroup([p["w"]!], defaults),
                ParameterGroup([p["b"]!, p["k"]!, p["frozen"]!],
                               defaults.with { $0.learningRate = 0.002; $0.beta1 = 0.8; $0.beta2 = 0.9 }),
            ])
        },
    ]
}

/// Runs `steps` steps of the fixture's gradients (starting at `from`), with zeroGrad before each.
func train(_ optimizer: any Optimizer, _ parameters: [String: Tensor], from: Int = 0, steps: Int,
           afterEach: (Int) throws -> Void = { _ in }) throws {
    for step in from..<(from + steps) {
        optimizer.zeroGrad()
        try Fixtures.feedGradients(parameters, step: step)
        optimizer.step()
        try afterEach(step)
    }
}
