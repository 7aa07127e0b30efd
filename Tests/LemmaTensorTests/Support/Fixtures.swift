import Foundation
import LemmaTensor
import Testing

/// Reference files made by scripts/make_fixtures.py.
enum Fixtures {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!
    }

    static let ops: SafetensorsFile = try! SafetensorsFile(url: url("ops.safetensors"))
}

/// Elementwise |a - b| <= atol + rtol |b|, reporting the worst element.
func expectClose(_ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6,
                 _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, "\(label): shape \(actual.shape) vs \(expected.shape)",
            sourceLocation: sourceLocation)
    let result = actual.closeness(to: expected, rtol: rtol, atol: atol)
    #expect(result.isClose, "\(label): \(result)", sourceLocation: sourceLocation)
}

/// One case of a fixture file written by `record_case` (scripts/safetensors_io.py): loads `<case>.<input>`
/// for each input, runs `body`, compares the output with `<case>.y` and, after backpropagating `<case>.gy`,
/// each input's gradient with `<case>.g_<input>` (gradients at 10× `rtol`).
func checkFixtureCase(_ file: SafetensorsFile, _ name: String, inputs names: [String], rtol: Float,
                      sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: ([String: Tensor]) throws -> Tensor) throws {
    var inputs: [String: Tensor] = [:]
    for input in names {
        let x = try file.tensor("\(name).\(input)")
        x.requiresGrad = true
        inputs[input] = x
    }
    let y = try body(inputs)
    expectClose(y, try file.tensor("\(name).y"), rtol: rtol, atol: 1e-6, "\(name) output", sourceLocation: sourceLocation)
    y.backward(gradient: try file.tensor("\(name).gy"))
    for input in names {
        guard let grad = inputs[input]!.grad else {
            Issue.record("\(name): no gradient for \(input)", sourceLocation: sourceLocation)
            continue
        }
        expectClose(grad, try file.tensor("\(name).g_\(input)"), rtol: rtol * 10, atol: 1e-5,
                    "\(name) gradient of \(input)", sourceLocation: sourceLocation)
    }
}

/// The case names of a fixture file (those with an output `<case>.y`).
func fixtureCaseNames(_ file: SafetensorsFile) -> Set<String> {
    Set(file.names.filter { $0.hasSuffix(".y") }.map { String($0.dropLast(2)) })
}
