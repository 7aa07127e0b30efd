import CLemmaKernels
import LemmaTensor

/// Stochastic gradient descent with momentum, as torch.optim.SGD. For each parameter θ with gradient g:
///
///     d = g + weightDecay·θ
///     buf = d on the first step; afterwards momentum·buf + (1 − dampening)·d
///     d = nesterov ? d + momentum·buf : buf          (when momentum ≠ 0)
///     θ = θ − lr·d
public final class SGD: Optimizer {
    public struct Options: OptimizerOptions {
        public var learningRate: Float
        public var momentum: Float
        public var dampening: Float
        public var weightDecay: Float
        public var nesterov: Bool

        public init(learningRate: Float = 1e-3, momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0,
                    nesterov: Bool = false) {
            self.learningRate = learningRate
            self.momentum = momentum
            self.dampening = dampening
            self.weightDecay = weightDecay
            self.nesterov = nesterov
        }

        public var momentumCoefficient: Float? {
            get { momentum }
            set { if let newValue { momentum = newValue } }
        }

        public func validate(_ optimizer: String) throws {
            try require(isNonNegative(learningRate), optimizer, "lr", learningRate, "a finite number >= 0")
            try require(isNonNegative(momentum), optimizer, "momentum", momentum, "a finite number >= 0")
            try require(dampening.isFinite, optimizer, "dampening", dampening, "finite")
            try require(isNonNegative(weightDecay), optimizer, "weight_decay", weightDecay, "a finite number >= 0")
            if nesterov {
                try require(momentum > 0 && dampening == 0, optimizer, "nesterov", nesterov,
                            "false unless momentum > 0 and dampening is 0 (momentum \(momentum), dampening \(dampening))")
            }
        }
    }

    public var groups: [ParameterGroup<Options>]
    /// Momentum buffers by parameter index, made on a parameter's first step with momentum.
    private var buffers: [Int: Tensor] = [:]

    public convenience init(_ parameters: [Tensor], _ options: Options = Options()) throws {
        try self.init(groups: [ParameterGroup(parameters, options)])
    }

    public init(groups: [ParameterGroup<Options>]) throws {
        self.groups = try Self.validated(groups, "SGD")
    }

    public func step() {
        forEachTrainable { index, parameter, grad, options in
            let p = parameter.storage.pointer, g = grad.storage.pointer, n = Int64(parameter.count)
            let lr = options.learningRate, decay = options.weightDecay, momentum = options.momentum
            guard momentum != 0 else {
                lemma_sgd_step(p, g, nil, n, lr, decay, 0, 1, 0, 0)
                return
            }
            // The first step with momentum starts the buffer at d; later ones decay it. One fused pass each
            // (CLemmaKernels/optimizer.c).
            let buffer: Tensor
            let first = buffers[index] == nil
            if let existing = buffers[index] {
                checkState("SGD", index, parameter, madeFor: existing.shape)
                buffer = existing
            } else {
                buffer = Tensor.zeros(parameter.shape)
                buffers[index] = buffer
            }
            lemma_sgd_step(p, g, buffer.storage.pointer, n, lr, decay, momentum, 1 - options.dampening,
                           options.nesterov ? 1 : 0, first ? 1 : 0)
        }
    }

    public func stateDict() -> [String: Tensor] {
        var dict = groupStateDict()
        for (index, buffer) in buffers { dict["state.\(index).momentum_buffer"] = buffer.copied() }
        return dict
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        var reader = StateDictReader(state, owner: "SGD")
        let restoredGroups = try readGroups(&reader)
        var restored: [Int: Tensor] = [:]
        try forEachParameter { index, parameter, _ in
            guard reader.hasState(index) else { return }
            restored[index] = try reader.tensor("state.\(index).momentum_buffer", shape: parameter.shape)
        }
        try reader.finish()
        groups = restoredGroups
        buffers = restored
    }
}
