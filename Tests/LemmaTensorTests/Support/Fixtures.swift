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
    guard actual.shape == expected.shape else { return }
    let a = actual.scalars, e = expected.scalars
    var worst = 0, worstExcess: Float = -.infinity
    for i in a.indices {
        let excess = Swift.abs(a[i] - e[i]) - (atol + rtol * Swift.abs(e[i]))
        if excess > worstExcess || a[i].isNaN != e[i].isNaN { worst = i; worstExcess = a[i].isNaN != e[i].isNaN ? .infinity : excess }
    }
    #expect(a.isEmpty || worstExcess <= 0,
            "\(label): element \(worst) is \(a.isEmpty ? 0 : a[worst]), expected \(e.isEmpty ? 0 : e[worst])",
            sourceLocation: sourceLocation)
}
