import LemmaTensor

/// Updates parameters in place from their gradients. Parameters sit in groups, each with its own
/// hyper-parameters; a parameter with `requiresGrad == false` (frozen) or without a gradient this step is
/// skipped and gets no state, as in PyTorch.
///
/// A training step is `loss.backward(); optimizer.step(); optimizer.zeroGrad()`. Schedules set each group's
/// learning rate (and momentum) between steps; `stateDict()` and `loadStateDict(_:)` checkpoint and resume a
/// run bit-exactly.
public protocol Optimizer: AnyObject {
    associatedtype Options: OptimizerOptions

    /// The parameters and the hyper-parameters each group trains with.
    var groups: [ParameterGroup<Options>] { get set }

    /// One update of every parameter that requires grad and has one.
    func step()

    /// Every piece of state, copied: per-parameter buffers and step counts as `state.<i>.<name>` (i counts
    /// parameters across groups, in order; PyTorch's buffer names), each group's learning rate and momentum as
    /// `param_groups.<g>.<name>`.
    func stateDict() -> [String: Tensor]

    /// Restores what `stateDict()` saved, checking every key and shape first; throws `OptimizerError` naming
    /// the first key that is missing, unexpected or malformed, and then changes nothing.
    func loadStateDict(_ state: [String: Tensor]) throws
}

extension Optimizer {
    public var groupCount: Int { groups.count }

    /// Every parameter, group by group.
    public var parameters: [Tensor] { groups.flatMap(\.parameters) }

    /// Drops every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() {
        for group in groups {
            for parameter in group.parameters { parameter.zeroGrad() }
        }
    }

    public var learningRates: [Float] { groups.map(\.options.learningRate) }

    public func learningRate(group: Int) -> Float { groups[group].options.learningRate }

    /// Sets a group's learning rate, as schedules do between steps. An invalid rate is a programming error.
    public func setLearningRate(_ value: Float, group: Int) {
        var options = groups[group].options
        options.learningRate = value
        groups[group].options = checked(options)
    }

    /// The momentum (SGD, RMSprop) or beta1 (Adam, AdamW) of a group; nil for optimizers without one.
    public func momentum(group: Int) -> Float? { groups[group].options.momentumCoefficient }

    /// Sets what `momentum(group:)` reads, for schedules that cycle it; ignored by optimizers without one.
    public func setMomentum(_ value: Float, group: Int) {
        guard groups[group].options.momentumCoefficient != nil else { return }
        var options = groups[group].options
        options.momentumCoefficient = value
        groups[group].options = checked(options)
    }

    private func checked(_ options: Options) -> Options {
        do {
            try options.validate("\(Self.self)")
        } catch {
            fatalError("\(error)")
        }
        return options
    }

    /// Calls `body` for each parameter that trains this step, with its index across groups (the key of its
    /// state), its gradient and its group's options.
    @inline(__always)
    func forEachTrainable(_ body: (Int, Tensor, Tensor, Options) -> Void) {
        var index = 0
        for group in groups {
            for parameter in group.parameters {
                if parameter.requiresGrad, let grad = parameter.grad { body(index, parameter, grad, group.options) }
                index += 1
            }
        }
    }

    /// Calls `body` for every parameter, trainable or not, with its index across groups.
    func forEachParameter(_ body: (Int, Tensor, Options) throws -> Void) rethrows {
        var index = 0
        for group in groups {
            for parameter in group.parameters {
                try body(index, parameter, group.options)
                index += 1
            }
        }
    }

    /// Checks each group's options and that no parameter sits in two groups (its state would be ambiguous).
    static func validated(_ groups: [ParameterGroup<Options>], _ name: String) throws -> [ParameterGroup<Options>] {
        var seen = Set<ObjectIdentifier>()
        for (g, group) in groups.enumerated() {
            try group.options.validate(name)
            for (position, parameter) in group.parameters.enumerated()
            where !seen.insert(ObjectIdentifier(parameter)).inserted {
                throw OptimizerError("\(name): parameter \(position) of group \(g) already appears in an earlier position")
            }
        }
        return groups
    }
}

/// Stops with a message when a parameter's state no longer fits it (its groups were rearranged after
/// training started), before an update loop could run past the state's buffers.
@inline(__always)
func checkState(_ owner: String, _ index: Int, _ parameter: Tensor, madeFor shape: [Int]) {
    guard shape == parameter.shape else {
        fatalError("\(owner): parameter \(index) has shape \(parameter.shape) but its state was made for \(shape); "
                   + "were the groups rearranged after training started?")
    }
}
