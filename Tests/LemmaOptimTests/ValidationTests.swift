import LemmaOptim
import LemmaTensor
import Testing

/// Invalid hyper-parameters are thrown errors whose one-line message names the option and the value.
struct ValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let message: String
        let make: @Sendable () throws -> Void
        var testDescription: String { message }

        init(_ message: String, _ make: @escaping @Sendable () throws -> Void) {
            self.message = message
            self.make = make
        }
    }

    static let p = [Tensor([1, 2], requiresGrad: true)]

    static let cases: [Case] = [
        Case("SGD: lr is -0.1, must be a finite number >= 0") { _ = try SGD(p, .init(learningRate: -0.1)) },
        Case("SGD: momentum is -0.5, must be a finite number >= 0") { _ = try SGD(p, .init(momentum: -0.5)) },
        Case("SGD: nesterov is true, must be false unless momentum > 0 and dampening is 0 (momentum 0.0, dampening 0.0)") {
            _ = try SGD(p, .init(nesterov: true))
        },
        Case("SGD: weight_decay is nan, must be a finite number >= 0") { _ = try SGD(p, .init(weightDecay: .nan)) },
        Case("Adam: beta1 is 1.0, must be in [0, 1)") { _ = try Adam(p, AdamOptions(beta1: 1)) },
        Case("AdamW: beta2 is -0.1, must be in [0, 1)") { _ = try AdamW(p, .adamW(beta2: -0.1)) },
        Case("Adam: eps is -1e-08, must be a finite number >= 0") { _ = try Adam(p, AdamOptions(eps: -1e-8)) },
        Case("AdamW: lr is inf, must be a finite number >= 0") { _ = try AdamW(p, .adamW(learningRate: .infinity)) },
        Case("RMSprop: alpha is 1.5, must be in [0, 1]") { _ = try RMSprop(p, .init(alpha: 1.5)) },
        Case("Adafactor: d is 0.5, must be a finite number >= 1") { _ = try Adafactor(p, .init(d: 0.5)) },
        Case("Adafactor: beta2_decay is 0.2, must be a finite number <= 0") { _ = try Adafactor(p, .init(beta2Decay: 0.2)) },
        Case("Adafactor: eps1 is -1.0, must be a finite number >= 0") { _ = try Adafactor(p, .init(eps1: -1)) },
        Case("SGD: lr is -1.0, must be a finite number >= 0") {
            // A later group's override is checked too.
            let q = [Tensor([3], requiresGrad: true)]
            _ = try SGD(groups: [ParameterGroup(p, .init()), ParameterGroup(q, SGD.Options().with { $0.learningRate = -1 })])
        },
        Case("SGD: parameter 0 of group 1 already appears in an earlier position") {
            _ = try SGD(groups: [ParameterGroup(p, .init()), ParameterGroup(p, .init())])
        },
        Case("LinearWarmupSchedule: totalSteps is 0, must be >= 1") {
            _ = try LinearWarmupSchedule(baseLearningRates: [0.1], warmupSteps: 10, totalSteps: 0)
        },
        Case("CosineWarmupSchedule: baseLearningRates is -0.1, must be a finite number >= 0") {
            _ = try CosineWarmupSchedule(baseLearningRates: [-0.1], warmupSteps: 1, totalSteps: 5)
        },
        Case("OneCycleSchedule: pctStart is 1.0, must be in [0, 1)") {
            _ = try OneCycleSchedule(maxLearningRates: [0.1], totalSteps: 10, pctStart: 1)
        },
        Case("ReduceLROnPlateau: factor is 1.0, must be in [0, 1)") {
            _ = try ReduceLROnPlateau(baseLearningRates: [0.1], factor: 1)
        },
        Case("ReduceLROnPlateau: minLearningRates is [0.0, 0.0], must be one rate, or one per group (3)") {
            _ = try ReduceLROnPlateau(baseLearningRates: [0.1, 0.1, 0.1], minLearningRates: [0, 0])
        },
    ]

    @Test(arguments: cases)
    func invalidOptionIsAThrownErrorNamingIt(_ c: Case) {
        #expect { try c.make() } throws: { error in
            let message = (error as? OptimizerError)?.message
            if message != c.message { Issue.record("got \(String(describing: message))") }
            return message == c.message
        }
    }

    @Test func validOptionsAreAccepted() throws {
        _ = try SGD(Self.p, .init(learningRate: 0, momentum: 0.9, nesterov: true))
        _ = try Adam(Self.p, AdamOptions(beta1: 0, beta2: 0.999_999))
        _ = try Adafactor(Self.p, .init(eps1: 0, d: 1))
    }

    /// Schedules set rates between steps without `try`; an invalid one is a programming error that stops
    /// the program with the same message.
    @Test func settingAnInvalidRateStopsWithTheMessage() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            try Adam([Tensor([1], requiresGrad: true)]).setMomentum(1, group: 0)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("Adam: beta1 is 1.0, must be in [0, 1)"))
    }

    /// State belongs to a parameter's position; moving parameters after training started must not let an
    /// update loop run past a smaller parameter's buffers.
    @Test func rearrangedGroupsStopWithAMessage() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let a = Tensor([1, 2], requiresGrad: true), b = Tensor([1, 2, 3], requiresGrad: true)
            let sgd = try SGD([a, b], .init(momentum: 0.9))
            (a.sum() + b.sum()).backward()
            sgd.step()
            sgd.groups[0].parameters.swapAt(0, 1)
            sgd.step()
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("SGD: parameter 0 has shape [3] but its state was made for [2]"))
    }
}
