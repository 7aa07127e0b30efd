import LemmaTensor

/// A layer or a model: parameters and sub-modules, found by their property names, so `model.encoder.weight`
/// is stored under the key `encoder.weight`, the name PyTorch and Hugging Face give it.
///
/// Stored properties of type `Tensor` are parameters, of type `Buffer` buffers (running statistics);
/// properties of type `Module` or `[Module]` are children (an array's elements are keyed `name.0`, `name.1`, …; optionals count when set). Modules whose
/// checkpoint keys are not plain property names (a multi-layer LSTM's `weight_ih_l0`) override
/// `ownParameters()` or `children()`.
open class Module {
    /// Training mode: dropout active. `eval()` turns it off throughout the tree.
    public private(set) var isTraining = true

    public init() {}

    /// Parameters held directly by this module, by key.
    open func ownParameters() -> [(key: String, tensor: Tensor)] {
        reflectedProperties().compactMap { key, value in (value as? Tensor).map { (key, $0) } }
    }

    /// Buffers held directly by this module, by key.
    open func ownBuffers() -> [(key: String, tensor: Tensor)] {
        reflectedProperties().compactMap { key, value in (value as? Buffer).map { (key, $0.tensor) } }
    }

    /// Direct sub-modules, by key.
    open func children() -> [(key: String, module: Module)] {
        reflectedProperties().flatMap { key, value -> [(key: String, module: Module)] in
            if let module = value as? Module { return [(key, module)] }
            if let list = value as? [Module] { return list.enumerated().map { ("\(key).\($0.offset)", $0.element) } }
            return []
        }
    }

    /// Every parameter in the tree with its dotted key, depth first in declaration order.
    public func namedParameters() -> [(key: String, tensor: Tensor)] {
        var result = ownParameters()
        for (prefix, child) in children() {
            result += child.namedParameters().map { ("\(prefix).\($0.key)", $0.tensor) }
        }
        return result
    }

    /// Every buffer in the tree with its dotted key, depth first in declaration order.
    public func namedBuffers() -> [(key: String, tensor: Tensor)] {
        var result = ownBuffers()
        for (prefix, child) in children() {
            result += child.namedBuffers().map { ("\(prefix).\($0.key)", $0.tensor) }
        }
        return result
    }

    /// Every module in the tree (this one first, under the key ""), with dotted keys.
    public func namedModules() -> [(key: String, module: Module)] {
        var result: [(key: String, module: Module)] = [("", self)]
        for (prefix, child) in children() {
            result += child.namedModules().map { ($0.key.isEmpty ? prefix : "\(prefix).\($0.key)", $0.module) }
        }
        return result
    }

    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// The parameters an optimizer should update: frozen ones hold no gradient and no optimizer state.
    public func trainableParameters() -> [Tensor] { parameters().filter(\.requiresGrad) }

    public func parameterCount(trainableOnly: Bool = false) -> Int {
        parameters().filter { !trainableOnly || $0.requiresGrad }.reduce(0) { $0 + $1.count }
    }

    /// Training (dropout on, batch statistics updated) or evaluation mode, for the whole tree.
    public func train(_ on: Bool = true) {
        for (_, module) in namedModules() { module.isTraining = on }
    }

    public func eval() { train(false) }

    /// Stops (or resumes) gradient flow into every parameter of this tree.
    public func freeze(_ frozen: Bool = true) {
        for p in parameters() { p.requiresGrad = !frozen }
    }

    public func unfreeze() { freeze(false) }

    public func zeroGrad() {
        for p in parameters() { p.zeroGrad() }
    }

    /// Stored properties of the dynamic type and its superclasses (below Module), unwrapping optionals.
    private func reflectedProperties() -> [(String, Any)] {
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let m = mirror, m.subjectType != Module.self {
            mirrors.append(m)
            mirror = m.superclassMirror
        }
        return mirrors.reversed().flatMap { m in
            m.children.compactMap { child -> (String, Any)? in
                guard var label = child.label, !label.contains("$") else { return nil }
                if label.hasPrefix("_") { label.removeFirst() }
                return unwrapOptional(child.value).map { (label, $0) }
            }
        }
    }
}

private func unwrapOptional(_ value: Any) -> Any? {
    let mirror = Mirror(reflecting: value)
    guard mirror.displayStyle == .optional else { return value }
    return mirror.children.first?.value
}
