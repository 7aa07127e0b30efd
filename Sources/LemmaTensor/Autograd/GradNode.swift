/// One recorded operation: the inputs it read and the rule that turns the gradient of its output into
/// gradients of those inputs (nil where an input needs none). Rules are written with ordinary tensor ops and
/// run with recording off.
final class GradNode {
    let op: StaticString
    let inputs: [Tensor]
    let rule: (Tensor) -> [Tensor?]

    init(op: StaticString, inputs: [Tensor], rule: @escaping (Tensor) -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.rule = rule
    }
}

extension Tensor {
    /// Whether an op reading this tensor must be recorded.
    @inline(__always) var isRecorded: Bool { requiresGrad && GradMode.isEnabled }

    /// Attaches the gradient rule of the op that produced `self`.
    @inline(__always)
    func recorded(_ op: StaticString, _ inputs: [Tensor], _ rule: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        gradNode = GradNode(op: op, inputs: inputs, rule: rule)
        requiresGrad = true
        return self
    }
}

@inline(__always) func recording(_ a: Tensor) -> Bool { a.isRecorded }
@inline(__always) func recording(_ a: Tensor, _ b: Tensor) -> Bool {
    GradMode.isEnabled && (a.requiresGrad || b.requiresGrad)
}
