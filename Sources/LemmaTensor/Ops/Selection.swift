/// Choosing between values by a mask: `where` and `maskedFill`. Masks are tensors of 1 (true) and 0 (false),
/// as comparisons produce.
extension Tensor {
    /// condition ? a : b elementwise, all three broadcast together. Gradients flow to the chosen side.
    public static func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = broadcastShape(broadcastShape(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let c = condition.detached().expanded(to: shape)
        let ea = a.expanded(to: shape), eb = b.expanded(to: shape)
        let y = ea.makeOutput(shape)
        y.backend.select(c.storage, ea.storage, eb.storage, y.storage)
        guard recording(ea, eb) else { return y }
        return y.recorded("where", [ea, eb]) { g in
            let zero = Tensor.zeros([])
            return [ea.requiresGrad ? select(c, g, zero) : nil, eb.requiresGrad ? select(c, zero, g) : nil]
        }
    }

    /// This tensor with `value` wherever `mask` is nonzero (for attention masks, padding).
    public func maskedFill(_ mask: Tensor, _ value: Float) -> Tensor {
        Tensor.select(mask, Tensor(scalar: value), self)
    }
}
