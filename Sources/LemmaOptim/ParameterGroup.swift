import LemmaTensor

/// Parameters that train with the same hyper-parameters, e.g. a pretrained body at a small learning rate
/// and a new head at a larger one.
public struct ParameterGroup<Options: OptimizerOptions> {
    public var parameters: [Tensor]
    public var options: Options

    public init(_ parameters: [Tensor], _ options: Options) {
        self.parameters = parameters
        self.options = options
    }
}
