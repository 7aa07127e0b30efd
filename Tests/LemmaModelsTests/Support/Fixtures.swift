import Foundation
import LemmaNN
import LemmaTensor
import Testing

/// Reference files made by the scripts named in each test file.
enum Fixtures {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!
    }

    /// The tensors stored under "<prefix>", keyed by the rest of their name.
    static func group(_ file: SafetensorsFile, _ prefix: String) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for name in file.names where name.hasPrefix(prefix) {
            result[String(name.dropFirst(prefix.count))] = try file.tensor(name)
        }
        return result
    }
}

func expectClose(_ actual: Tensor?, _ expected: Tensor, rtol: Float = 1e-5, atol: Float = 1e-5,
                 _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual else {
        Issue.record("\(label): missing", sourceLocation: sourceLocation)
        return
    }
    #expect(actual.shape == expected.shape, "\(label): shape \(actual.shape) vs \(expected.shape)",
            sourceLocation: sourceLocation)
    let result = actual.closeness(to: expected, rtol: rtol, atol: atol)
    #expect(result.isClose, "\(label): \(result)", sourceLocation: sourceLocation)
}

/// Every trainable parameter's gradient against PyTorch's, and exactly the same set of names.
func expectGradientsMatch(_ model: Module, _ expected: [String: Tensor], rtol: Float, atol: Float, _ what: String) {
    let trainable = model.namedParameters().filter { $0.tensor.requiresGrad }
    #expect(Set(trainable.map(\.key)) == Set(expected.keys), "\(what): parameter names")
    for (key, parameter) in trainable {
        guard let gradient = expected[key] else { continue }
        expectClose(parameter.grad, gradient, rtol: rtol, atol: atol, "\(what) grad \(key)")
    }
}
