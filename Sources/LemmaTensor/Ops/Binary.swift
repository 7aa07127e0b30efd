/// Elementwise arithmetic of two tensors with NumPy broadcasting. Gradients of a broadcast operand are summed
/// back to its shape.
extension Tensor {
    /// Runs a binary kernel into a fresh output of the broadcast shape.
    func broadcastKernel(_ op: BinaryOp, _ other: Tensor, _ name: StaticString) -> Tensor {
        if shape == other.shape {
            let y = makeOutput(shape)
            backend.binary(op, storage, strides: Tensor.unitStride, other.storage, strides: Tensor.unitStride,
                           y.storage, shape: [count])
            return y
        }
        let outShape = broadcastShape(shape, other.shape, op: name)
        let y = makeOutput(outShape)
        let merged = coalesce(outShape, [broadcastStrides(shape, to: outShape),
                                         broadcastStrides(other.shape, to: outShape)])
        backend.binary(op, storage, strides: merged.strides[0], other.storage, strides: merged.strides[1],
                       y.storage, shape: merged.shape)
        return y
    }

    static let unitStride = [1]

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let y = a.broadcastKernel(.add, b, "add")
        guard recording(a, b) else { return y }
        return y.recorded("add", [a, b]) { g in [g.summed(toShape: a.shape), g.summed(toShape: b.shape)] }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let y = a.broadcastKernel(.subtract, b, "sub")
        guard recording(a, b) else { return y }
        return y.recorded("sub", [a, b]) { g in [g.summed(toShape: a.shape), (-g).summed(toShape: b.shape)] }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let y = a.broadcastKernel(.multiply, b, "mul")
        guard recording(a, b) else { return y }
        return y.recorded("mul", [a, b]) { g in
            [a.requiresGrad ? (g * b).summed(toShape: a.shape) : nil,
             b.requiresGrad ? (g * a).summed(toShape: b.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let y = a.broadcastKernel(.divide, b, "div")
        guard recording(a, b) else { return y }
        return y.recorded("div", [a, b]) { [unowned y] g in
            let ga = g / b
            return [a.requiresGrad ? ga.summed(toShape: a.shape) : nil,
                    b.requiresGrad ? (-(ga * y)).summed(toShape: b.shape) : nil]
        }
    }

    /// Elementwise maximum; at ties the gradient is split equally, as in PyTorch.
    public func maximum(_ other: Tensor) -> Tensor { extremum(.maximum, other, "maximum") }
    public func minimum(_ other: Tensor) -> Tensor { extremum(.minimum, other, "minimum") }

    private func extremum(_ op: BinaryOp, _ other: Tensor, _ name: StaticString) -> Tensor {
        let a = self, b = other
        let y = a.broadcastKernel(op, b, name)
        guard recording(a, b) else { return y }
        return y.recorded(name, [a, b]) { g in
            let wins = op == .maximum ? a.broadcastKernel(.greater, b, name) : a.broadcastKernel(.less, b, name)
            let share = wins + a.broadcastKernel(.equal, b, name) * 0.5
            return [(g * share).summed(toShape: a.shape), (g * (1 - share)).summed(toShape: b.shape)]
        }
    }

    /// a^b elementwise.
    public func pow(_ exponent: Tensor) -> Tensor {
        let a = self, b = exponent
        let y = a.broadcastKernel(.power, b, "pow")
        guard recording(a, b) else { return y }
        return y.recorded("pow", [a, b]) { [unowned y] g in
            [a.requiresGrad ? (g * b * a.pow(b - 1)).summed(toShape: a.shape) : nil,
             b.requiresGrad ? (g * y * a.log()).summed(toShape: b.shape) : nil]
        }
    }

    // Comparisons give 1/0 masks and are not differentiable.
    public static func .== (a: Tensor, b: Tensor) -> Tensor { a.broadcastKernel(.equal, b, "eq") }
    public static func .!= (a: Tensor, b: Tensor) -> Tensor { a.broadcastKernel(.notEqual, b, "ne") }
    public static func .< (a: Tensor, b: Tensor) -> Tensor { a.broadcastKernel(.less, b, "lt") }
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { a.broadcastKernel(.lessEqual, b, "le") }
    public static func .> (a: Tensor, b: Tensor) -> Tensor { a.broadcastKernel(.greater, b, "gt") }
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { a.broadcastKernel(.greaterEqual, b, "ge") }
    public static func .== (a: Tensor, b: Float) -> Tensor { a .== Tensor(scalar: b) }
    public static func .!= (a: Tensor, b: Float) -> Tensor { a .!= Tensor(scalar: b) }
    public static func .< (a: Tensor, b: Float) -> Tensor { a .< Tensor(scalar: b) }
    public static func .<= (a: Tensor, b: Float) -> Tensor { a .<= Tensor(scalar: b) }
    public static func .> (a: Tensor, b: Float) -> Tensor { a .> Tensor(scalar: b) }
    public static func .>= (a: Tensor, b: Float) -> Tensor { a .>= Tensor(scalar: b) }
}
