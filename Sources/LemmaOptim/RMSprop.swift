import CLemmaKernels
import LemmaTensor

/// RMSprop (Hinton's lecture 6e), as torch.optim.RMSprop. For each parameter θ with gradient g:
///
///     g = g + weightDecay·θ
///     s = α·s + (1 − α)·g²                 and, when centered, ḡ = α·ḡ + (1 − α)·g
///     r = √(centered ? s − ḡ² : s) + eps
///     θ = θ − lr·buf  with buf = momentum·buf + g/r   (momentum > 0),   else θ = θ − lr·g/r
public final class RMSprop: Optimizer {
    public struct Options: OptimizerOptions {
        public var learningRate: Float
        public var alpha: Float
        public var eps: Float
        public var weightDecay: Float
        public var momentum: Float
        /// Normalize by the variance estimate s − ḡ² rather than the raw second moment s.
        public var centered: Bool

        public init(learningRate: Float = 1e-2, alpha: Float = 0.99, eps: Float = 1e-8, weightDecay: Float = 0,
                    momentum: Float = 0, centered: Bool = false) {
            self.learningRate = learningRate
            self.alpha = alpha
            self.eps = eps
            self.weightDecay = weightDecay
            self.momentum = momentum
            self.centered = centered
        }

        public var momentumCoefficient: Float? {
            get { momentum }
            set { if let newValue { momentum = newValue } }
        }

        public func validate(_ optimizer: String) throws {
            try require(isNonNegative(learningRate), optimizer, "lr", learningRate, "a finite number >= 0")
            try require(alpha >= 0 && alpha <= 1, optimizer, "alpha", alpha, "in [0, 1]")
            try require(isNonNegative(eps), optimizer, "eps", eps, "a finite number >= 0")
            try require(isNonNegative(weightDecay), optimizer, "weight_decay", weightDecay, "a finite number >= 0")
            try require(isNonNegative(momentum), optimizer, "momentum", momentum, "a finite number >= 0")
        }
    }

    final class State {
        var step: Int
        let squareAvg: Tensor
        /// Made when the group's momentum first becomes non-zero.
        var momentumBuffer: Tensor?
        let gradAvg: Tensor?

        init(step: Int, squareAvg: Tensor, momentumBuffer: Tensor?, gradAvg: Tensor?) {
            self.step = step
            self.squareAvg = squareAvg
            self.momentumBuffer = momentumBuffer
            self.gradAvg = gradAvg
        }
    }

    public var groups: [ParameterGroup<Options>]
    private var states: [Int: State] = [:]

    public convenience init(_ parameters: [Tensor], _ options: Options = Options()) throws {
        try self.init(groups: [ParameterGroup(parameters, options)])
    }

    public init(groups: [ParameterGroup<Options>]) throws {
        self.groups = try Self.validated(groups, "RMSprop")
    }

    public func step() {
        forEachTrainable { index, parameter, grad, options in
            let state = states[index] ?? makeState(index, parameter, options)
            checkState("RMSprop", index, parameter, madeFor: state.squareAvg.shape)
            if options.momentum > 0 && state.momentumBuffer == nil { state.momentumBuffer = Tensor.zeros(parameter.shape) }
            state.step += 1
            // One fused, vectorized pass (CLemmaKernels/optimizer.c); a buffer kept from a momentum that has since
            // been cycled to 0 is left alone.
            let buffer = options.momentum > 0 ? state.momentumBuffer?.storage.pointer : nil
            lemma_rmsprop_step(parameter.storage.pointer, grad.storage.pointer, state.squareAvg.storage.pointer,
                               state.gradAvg?.storage.pointer, buffer, Int64(parameter.count), options.learningRate,
                               options.weightDecay, options.alpha, 1 - options.alpha, options.momentum, options.eps)
        }
    }

    private func makeState(_ index: Int, _ parameter: Tensor, _ options: Options) -> State {
        let state = State(step: 0, squareAvg: Tensor.zeros(parameter.shape), momentumBuffer: nil,
                          gradAvg: options.centered ? Tensor.zeros(parameter.shape) : nil)
        states[index] = state
        return state
    }

    public func stateDict() -> [String: Tensor] {
        var dict = groupStateDict()
        for (index, state) in states {
            dict["state.\(index).step"] = countTensor(state.step)
            dict["state.\(index).square_avg"] = state.squareAvg.copied()
            if let buffer = state.momentumBuffer { dict["state.\(index).momentum_buffer"] = buffer.copied() }
            if let gradAvg = state.gradAvg { dict["state.\(index).grad_avg"] = gradAvg.copied() }
        }
        return dict
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        var reader = StateDictReader(state, owner: "RMSprop")
        let restoredGroups = try readGroups(&reader)
        var restored: [Int: State] = [:]
        try forEachParameter { index, parameter, options in
            guard reader.hasState(index) else { return }
            let key = "state.\(index)."
            // A momentum buffer is required under momentum; without, one saved earlier (a cycled momentum
            // that reached 0) is kept.
            let hasBuffer = options.momentum > 0 || reader.contains(key + "momentum_buffer")
            restored[index] = State(
                step: try reader.count(key + "step"),
                squareAvg: try reader.tensor(key + "square_avg", shape: parameter.shape),
                momentumBuffer: hasBuffer ? try reader.tensor(key + "momentum_buffer", shape: parameter.shape) : nil,
                gradAvg: options.centered ? try reader.tensor(key + "grad_avg", shape: parameter.shape) : nil)
        }
        try reader.finish()
        groups = restoredGroups
        states = restored
    }
}
