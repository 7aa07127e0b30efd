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
