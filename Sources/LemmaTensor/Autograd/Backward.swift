/// Reverse-mode differentiation over the recorded graph: sort the nodes reachable from the output
/// topologically, then walk them backwards, each pushing its output's gradient to its inputs.
extension Tensor {
    /// Accumulates d(self)/d(leaf) into `grad` of every leaf that requires grad. `gradient` defaults to 1 for
    /// a one-element tensor. The recorded graph is released afterwards, as in PyTorch.
    public func backward(gradient: Tensor? = nil) {
        guard requiresGrad else { shapeFailure("backward", "the tensor does not require grad") }
        let seed: Tensor
        if let gradient {
            guard gradient.shape == shape else {
                shapeFailure("backward", "gradient shape \(describe(gradient.shape)) differs from \(describe(shape))")
            }
            seed = gradient
        } else {
            guard count == 1 else { shapeFailure("backward", "an implicit gradient needs a single element, shape is \(describe(shape))") }
            seed = Tensor.full(shape, 1)
        }
        let order = topologicalOrder()
        GradMode.withEnabled(false) {
            pendingGrad = seed
            for tensor in order.reversed() {
                guard var grad = tensor.pendingGrad else { continue }
                tensor.pendingGrad = nil
                guard let node = tensor.gradNode else {
                    tensor.accumulateGrad(&grad)
                    continue
                }
                let inputGrads = node.rule(grad)
                for (input, inputGrad) in zip(node.inputs, inputGrads) {
                    guard let inputGrad, input.requiresGrad else { continue }
                    precondition(inputGrad.shape == input.shape,
                                 "backward: \(node.op) produced a gradient of shape \(describe(inputGrad.shape)) for an input of shape \(describe(input.shape))")
                    input.pendingGrad = input.pendingGrad.map { $0 + inputGrad } ?? inputGrad
                }
                tensor.gradNode = nil
            }
        }
    }

    /// Post-order over tensors that require grad; iterative, so deep graphs (long RNN unrolls) cannot
    /// overflow the stack.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (tensor, next) = stack.popLast() {
            let inputs = tensor.gradNode?.inputs ?? []
            if next < inputs.count {
                stack.append((tensor, next + 1))
                let input = inputs[next]
                if input.requiresGrad, visited.insert(ObjectIdentifier(input)).inserted {
                    stack.append((input, 0))
                }
            } else {
                order.append(tensor)
            }
        }
        return order
    }

    /// Leaves own their `grad` buffer, so later in-place accumulation never writes into a tensor that
    /// another part of the graph still shares. A gradient nothing else refers to is taken as is.
    private func accumulateGrad(_ incoming: inout Tensor) {
        if let grad {
            backend.axpy(alpha: 1, incoming.storage, grad.storage)
        } else if isKnownUniquelyReferenced(&incoming) && isKnownUniquelyReferenced(&incoming.storage) {
            grad = incoming
        } else {
            let owned = makeOutput(shape)
            backend.copy(incoming.storage, to: owned.storage)
            grad = owned
        }
    }

    /// Drops the accumulated gradient; its buffer returns to the pool.
    public func zeroGrad() { grad = nil }

    /// The same values, cut off from the graph.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }
}
