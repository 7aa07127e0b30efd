import Foundation
import LemmaOptim
import LemmaTensor
import Testing

/// optim.safetensors, made by scripts/make_optim_fixtures.py: starting parameters, the gradients of 5 steps,
/// and PyTorch's parameters after each step for every optimizer configuration.
enum Fixtures {
    static let file: SafetensorsFile = {
        let url = Bundle.module.url(forResource: "Fixtures/optim.safetensors", withExtension: nil)!
        return try! SafetensorsFile(url: url)
    }()

    static func tensor(_ name: String) throws -> Tensor { try file.tensor(name) }

    static let steps = 5
    /// The parameters in PyTorch's order; frozen has requiresGrad false.
    static let names = ["w", "b", "k", "frozen"]
    static let trained = ["w", "b", "k"]

    /// Fresh copies of the starting parameters, by name.
    static func parameters() throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for name in names {
            let p = try tensor("init.\(name)")
            p.requiresGrad = name != "frozen"
            result[name] = p
        }
        return result
    }

    /// Gives each parameter exactly step `step`'s gradient (none where the fixture has none), through
    /// backward of Σ ⟨p, G⟩, whose gradient with respect to p is G.
    static func feedGradients(_ parameters: [String: Tensor], step: Int) throws {
        var loss: Tensor?
        for name in trained {
            guard try tensor("present.\(name)").scalars[step] == 1 else { continue }
            let p = parameters[name]!
            let g = try slice(tensor("grad.\(name)"), step)
            let term = (p * g).sum()
            loss = loss.map { $0 + term } ?? term
        }
        loss?.backward()
    }

    /// Row `step` of a [steps, ...] history.
    static func slice(_ history: Tensor, _ step: Int) -> Tensor {
        history.slice(axis: 0, step..<(step + 1)).reshaped(Array(history.shape.dropFirst()))
    }
}

/// Elementwise |a - b| <= atol + rtol |b|, reporting the worst element.
func expectClose(_ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6,
                 _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, "\(label): shape \(actual.shape) vs \(expected.shape)",
            sourceLocation: sourceLocation)
    let result = actual.closeness(to: expected, rtol: rtol, atol: atol)
    #expect(result.isClose, "\(label): \(result)", sourceLocation: sourceLocation)
}

func expectClose(_ actual: [Float], _ expected: [Float], rtol: Float = 1e-5, atol: Float = 1e-7,
                 _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    expectClose(Tensor(actual), Tensor(expected), rtol: rtol, atol: atol, label, sourceLocation: sourceLocation)
}
