/// Elementwise functions of one tensor. Each gradient rule reads the saved input and/or output.
extension Tensor {
    func unary(_ op: UnaryOp, _ name: StaticString) -> Tensor {
        let y = makeOutput(shape)
        backend.unary(op, storage, y.storage)
        guard isRecorded else { return y }
        let x = self
        return y.recorded(name, [x]) { [unowned y] g in
            let gx = x.makeOutput(x.shape)
            x.backend.unaryBackward(op, x: x.storage, y: y.storage, gradOutput: g.storage, gradInput: gx.storage)
            return [gx]
        }
    }

    public func exp() -> Tensor { unary(.exp, "exp") }
    public func log() -> Tensor { unary(.log, "log") }
    public func sqrt() -> Tensor { unary(.sqrt, "sqrt") }
    public func tanh() -> Tensor { unary(.tanh, "tanh") }
    public func sigmoid() -> Tensor { unary(.sigmoid, "sigmoid") }
    public func relu() -> Tensor { unary(.relu, "relu") }
    /// Exact GELU, x Φ(x) (PyTorch's default).
    public func gelu() -> Tensor { unary(.gelu, "gelu") }
    /// GELU with the tanh approximation GPT-2 uses (PyTorch's `approximate="tanh"`).
    public func geluTanh() -> Tensor { unary(.geluTanh, "gelu_tanh") }
    public func abs() -> Tensor { unary(.abs, "abs") }
    public func squared() -> Tensor { unary(.square, "square") }
    public func reciprocal() -> Tensor { unary(.reciprocal, "reciprocal") }
    public static prefix func - (x: Tensor) -> Tensor { x.unary(.negate, "neg") }

    /// x^p for a constant exponent.
    public func pow(_ exponent: Float) -> Tensor {
        let y = makeOutput(shape)
        backend.power(storage, exponent, y.storage)
        guard isRecorded else { return y }
        let x = self
        return y.recorded("pow", [x]) { g in
            let gx = x.makeOutput(x.shape)
            x.backend.powerBackward(x.storage, exponent, gradOutput: g.storage, gradInput: gx.storage)
            return [gx]
        }
    }

    /// scale x + shift, the fused form of arithmetic with constants.
    public func affine(scale: Float, shift: Float) -> Tensor {
        let y = makeOutput(shape)
        backend.affine(storage, scale: scale, shift: shift, y.storage)
        guard isRecorded else { return y }
        return y.recorded("affine", [self]) { g in [g.affine(scale: scale, shift: 0)] }
    }

    public static func + (x: Tensor, c: Float) -> Tensor { x.affine(scale: 1, shift: c) }
    public static func + (c: Float, x: Tensor) -> Tensor { x.affine(scale: 1, shift: c) }
    public static func - (x: Tensor, c: Float) -> Tensor { x.affine(scale: 1, shift: -c) }
    public static func - (c: Float, x: Tensor) -> Tensor { x.affine(scale: -1, shift: c) }
    public static func * (x: Tensor, c: Float) -> Tensor { x.affine(scale: c, shift: 0) }
    public static func * (c: Float, x: Tensor) -> Tensor { x.affine(scale: c, shift: 0) }
    public static func / (x: Tensor, c: Float) -> Tensor { x.affine(scale: 1 / c, shift: 0) }
    public static func / (c: Float, x: Tensor) -> Tensor { c * x.reciprocal() }
}
