/// Reverse-mode differentiation over the recorded graph: sort the nodes reachable from the output
/// topologically, then walk them backwards, each pushing its output's gradient to its inputs.
extension Tensor {
    /// Accumulates d(self)/d(leaf) into `grad` of every leaf that requires grad. `gradient` defaults to 1 for
    /// a one-element tensor. The recorded graph is released afterwards, as in PyTorch. `onLeafGradient` hears
    /// each leaf as soon as its gradient is complete, while the pass goes on (data-parallel training starts
    /// all-reducing a bucket of gradients then, as PyTorch DDP's hooks do).
    public func backward(gradient: Tensor? = nil, onLeafGradient: ((Tensor) -> Void)? = nil) {
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
                tensor.sumDeferredProducts()
                guard var grad = tensor.pendingGrad else { continue }
                tensor.pendingGrad = nil
                guard let node = tensor.gradNode else {
                    tensor.accumulateGrad(&grad)
                    onLeafGradient?(tensor)
                    continue
                }
                let inputGrads = node.rule(grad)
                for (input, inputGrad) in zip(node.inputs, inputGrads) {
                    guard let inputGrad, input.requiresGrad else { continue }
                    precondition(inputGrad.shape == input.shape,
                                 "backward: \(node.op) produced a gradient of shape \(describe(inputGrad.shape)) for an input of shape \(describe(input.shape))")
                    input.addPendingGradient(inputGrad)
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

    /// Adds one use's gradient to the sum being collected for this tensor: in place when the sum's buffer is
    /// this tensor's alone (the usual case), so a tensor used many times allocates one buffer, not one per use.
    private func addPendingGradient(_ gradient: Tensor) {
        if pendingGrad == nil {
            pendingGrad = gradient
        } else if ownsPendingGradient {
            backend.axpy(alpha: 1, gradient.storage, pendingGrad!.storage)
        } else {
            pendingGrad = pendingGrad! + gradient
        }
    }

    /// Whether the pending gradient's buffer is referenced from nowhere else (a rule may pass its incoming
    /// gradient on unchanged, or as a view), so that writing into it changes nothing but this sum.
    private var ownsPendingGradient: Bool {
        pendingGrad != nil && isKnownUniquelyReferenced(&pendingGrad!) && isKnownUniquelyReferenced(&pendingGrad!.storage)
    }

    /// For gradient rules of ops whose input is often used many times (a tied output projection, the
    /// embedding a step-by-step decoder reads once per step): `write` produces this use's gradient straight
    /// into the sum being collected (`accumulate` true: add to what `into` holds) or, for the first use, into a
    /// fresh buffer (`accumulate` false: overwrite every element). A rule that calls it returns nil for
    /// this input.
    func accumulateGradient(_ write: (_ into: Tensor, _ accumulate: Bool) -> Void) {
        if ownsPendingGradient {
            write(pendingGrad!, true)
        } else {
            let fresh = makeOutput(shape)
            write(fresh, false)
            addPendingGradient(fresh)
        }
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
