/// The hyper-parameters of one parameter group. Each optimizer has its own type, with PyTorch's defaults.
public protocol OptimizerOptions {
    var learningRate: Float { get set }

    /// What a one-cycle schedule cycles against the learning rate: SGD's and RMSprop's momentum, Adam's
    /// beta1; nil for optimizers without one (Adafactor), where setting it does nothing.
    var momentumCoefficient: Float? { get set }

    /// The name `momentumCoefficient` has in a state dict ("momentum", "beta1").
    static var momentumKey: String { get }

    /// Throws `OptimizerError` naming the first invalid option and its value; `optimizer` prefixes the message.
    func validate(_ optimizer: String) throws
}

extension OptimizerOptions {
    /// A copy with some options changed: `defaults.with { $0.learningRate = 0.1 }` for a group that overrides them.
    public func with(_ change: (inout Self) -> Void) -> Self {
        var copy = self
        change(&copy)
        return copy
    }

    public var momentumCoefficient: Float? {
        get { nil }
        set {}
    }

    public static var momentumKey: String { "momentum" }
}
