import CLemmaKernels
import Foundation
import LemmaTensor

/// Adam (Kingma & Ba 2015), as torch.optim.Adam. For each parameter θ with gradient g, at step t:
///
///     g = g + weightDecay·θ                          (Adam; AdamW instead shrinks θ by 1 − lr·weightDecay)
///     m = β1·m + (1 − β1)·g,   v = β2·v + (1 − β2)·g²,   v̂ = amsgrad ? max(v̂, v) : v
///     θ = θ − lr/(1 − β1^t) · m / (√v̂ / √(1 − β2^t) + eps)
///
/// Step counts are per parameter: one that had no gradient on some steps has its own t.
public class Adam: Optimizer {
    public typealias Options = AdamOptions

    final class State {
        var step = 0
        let expAvg: Tensor
        let expAvgSq: Tensor
        var maxExpAvgSq: Tensor?

        init(step: Int, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor?) {
            self.step = step
            self.expAvg = expAvg
            self.expAvgSq = expAvgSq
            self.maxExpAvgSq = maxExpAvgSq
        }
    }

    public var groups: [ParameterGroup<AdamOptions>]
    /// AdamW's difference: weight decay applied to θ directly rather than added to the gradient.
    let decoupledWeightDecay: Bool
    var name: String { decoupledWeightDecay ? "AdamW" : "Adam" }
    private var states: [Int: State] = [:]

    public convenience init(_ parameters: [Tensor], _ options: AdamOptions = AdamOptions()) throws {
        try self.init(groups: [ParameterGroup(parameters, options)])
    }

    public convenience init(groups: [ParameterGroup<AdamOptions>]) throws {
        try self.init(groups: groups, decoupledWeightDecay: false)
    }

    init(groups: [ParameterGroup<AdamOptions>], decoupledWeightDecay: Bool) throws {
        self.decoupledWeightDecay = decoupledWeightDecay
        self.groups = try Self.validated(groups, decoupledWeightDecay ? "AdamW" : "Adam")
    }

    public func step() {
        forEachTrainable { index, parameter, grad, options in
            let state = states[index] ?? makeState(index, parameter)
            checkState(name, index, parameter, madeFor: state.expAvg.shape)
            if options.amsgrad && state.maxExpAvgSq == nil { state.maxExpAvgSq = Tensor.zeros(parameter.shape) }
            state.step += 1
            let t = Double(state.step)
            let lr = Double(options.learningRate), decay = options.weightDecay
            let stepSize = Float(lr / (1 - pow(Double(options.beta1), t)))
            let correction2 = Float((1 - pow(Double(options.beta2), t)).squareRoot())
            // AdamW shrinks θ by keep first; Adam adds l2·θ to the gradient instead.
            let keep = decoupledWeightDecay && decay != 0 ? Float(1 - lr * Double(decay)) : 1
            let l2 = decoupledWeightDecay ? 0 : decay
            // One fused, vectorized pass per element (the C kernel in CLemmaKernels/optimizer.c).
            lemma_adam_step(parameter.storage.pointer, grad.storage.pointer, state.expAvg.storage.pointer,
                            state.expAvgSq.storage.pointer, options.amsgrad ? state.maxExpAvgSq?.storage.pointer : nil,
                            Int64(parameter.count), keep, l2, options.beta2, 1 - options.beta1, 1 - options.beta2,
                            stepSize, correction2, options.eps)
        }
    }

    private func makeState(_ index: Int, _ parameter: Tensor) -> State {
        let state = State(step: 0, expAvg: Tensor.zeros(parameter.shape), expAvgSq: Tensor.zeros(parameter.shape),
                          maxExpAvgSq: nil)
        states[index] = state
        return state
    }

    public func stateDict() -> [String: Tensor] {
        var dict = groupStateDict()
        for (index, state) in states {
            dict["state.\(index).step"] = countTensor(state.step)
            dict["state.\(index).exp_avg"] = state.expAvg.copied()
            dict["state.\(index).exp_avg_sq"] = state.expAvgSq.copied()
            if let maxExpAvgSq = state.maxExpAvgSq { dict["state.\(index).max_exp_avg_sq"] = maxExpAvgSq.copied() }
        }
        return dict
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        var reader = StateDictReader(state, owner: name)
        let restoredGroups = try readGroups(&reader)
        var restored: [Int: State] = [:]
        try forEachParameter { index, parameter, options in
            guard reader.hasState(index) else { return }
            let key = "state.\(index)."
            restored[index] = State(
                step: try reader.count(key + "step"),
                expAvg: try reader.tensor(key + "exp_avg", shape: parameter.shape),
                expAvgSq: try reader.tensor(key + "exp_avg_sq", shape: parameter.shape),
                maxExpAvgSq: options.amsgrad ? try reader.tensor(key + "max_exp_avg_sq", shape: parameter.shape) : nil)
        }
        try reader.finish()
        groups = restoredGroups
        states = restored
    }
}
