/// Hyper-parameters of Adam and AdamW, with PyTorch's names in state dicts and messages (lr, betas, eps,
/// weight_decay, amsgrad). The defaults are Adam's; `AdamOptions.adamW()` has AdamW's.
public struct AdamOptions: OptimizerOptions {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var eps: Float
    /// An L2 term added to the gradient in Adam; decoupled (θ ← θ·(1 − lr·weightDecay)) in AdamW.
    public var weightDecay: Float
    /// Divide by the running maximum of the second moment (Reddi et al. 2018) instead of the moment itself.
    public var amsgrad: Bool

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
                weightDecay: Float = 0, amsgrad: Bool = false) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
    }

    /// AdamW's defaults (torch.optim.AdamW): Adam's, with weight decay 1e-2.
    public static func adamW(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
                             weightDecay: Float = 1e-2, amsgrad: Bool = false) -> AdamOptions {
        AdamOptions(learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                    amsgrad: amsgrad)
    }

    public var momentumCoefficient: Float? {
        get { beta1 }
        set { if let newValue { beta1 = newValue } }
    }

    public static var momentumKey: String { "beta1" }

    public func validate(_ optimizer: String) throws {
        try require(isNonNegative(learningRate), optimizer, "lr", learningRate, "a finite number >= 0")
        try require(beta1 >= 0 && beta1 < 1, optimizer, "beta1", beta1, "in [0, 1)")
        try require(beta2 >= 0 && beta2 < 1, optimizer, "beta2", beta2, "in [0, 1)")
        try require(isNonNegative(eps), optimizer, "eps", eps, "a finite number >= 0")
        try require(isNonNegative(weightDecay), optimizer, "weight_decay", weightDecay, "a finite number >= 0")
    }
}
