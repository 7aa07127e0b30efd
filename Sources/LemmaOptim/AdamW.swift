import LemmaTensor

/// Adam with decoupled weight decay (Loshchilov & Hutter 2019), as torch.optim.AdamW: each step first shrinks
/// θ by 1 − lr·weightDecay, then takes Adam's step without an L2 term. Defaults lr 1e-3, weight decay 1e-2.
public final class AdamW: Adam {
    public convenience init(_ parameters: [Tensor], _ options: AdamOptions = .adamW()) throws {
        try self.init(groups: [ParameterGroup(parameters, options)])
    }

    public convenience init(groups: [ParameterGroup<AdamOptions>]) throws {
        try self.init(groups: groups, decoupledWeightDecay: true)
    }
}
