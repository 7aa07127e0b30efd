import LemmaNN
import LemmaOptim
import LemmaTensor

extension TrainingOptions {
    /// The configured optimizer over the model's trainable parameters. With weight decay, biases and
    /// normalization weights go to a second group without it, as Hugging Face's Trainer does.
    public func makeOptimizer(for model: Module) throws -> any Optimizer {
        let named = model.namedParameters().filter { $0.tensor.requiresGrad }
        // Layer norms go by type, as Hugging Face's Trainer finds them (GPT-2's are named ln_1, ln_2, ln_f).
        let norms = Set(model.namedModules().filter { $0.module is LayerNorm }.flatMap { module in
            module.module.namedParameters().map { module.key.isEmpty ? $0.key : "\(module.key).\($0.key)" }
        })
        func isExempt(_ key: String) -> Bool { norms.contains(key) || Self.isExemptFromWeightDecay(key) }
        let exempt = named.filter { isExempt($0.key) }.map(\.tensor)
        let decayed = named.filter { !isExempt($0.key) }.map(\.tensor)
        let lr = Float(learningRate), decay = Float(weightDecay)
        func split<O>(_ make: (Float) -> O) -> [ParameterGroup<O>] {
            guard decay > 0, !exempt.isEmpty else { return [ParameterGroup(named.map(\.tensor), make(decay))] }
            return [ParameterGroup(decayed, make(decay)), ParameterGroup(exempt, make(0))]
        }
        switch optimizer {
        case .sgd: return try SGD(groups: split { SGD.Options(learningRate: lr, momentum: 0.9, weightDecay: $0) })
        case .adam: return try Adam(groups: split { AdamOptions(learningRate: lr, beta1: Float(adamBeta1), beta2: Float(adamBeta2), weightDecay: $0) })
        case .adamw: return try AdamW(groups: split { AdamOptions(learningRate: lr, beta1: Float(adamBeta1), beta2: Float(adamBeta2), weightDecay: $0) })
        case .rmsprop: return try RMSprop(groups: split { RMSprop.Options(learningRate: lr, weightDecay: $0) })
        case .adafactor: return try Adafactor(groups: split { Adafactor.Options(learningRate: lr, weightDecay: $0) })
        }
    }

    /// The configured schedule for a run of `totalSteps` optimizer steps.
    public func makeSchedule(groupCount: Int, totalSteps: Int) throws -> any LearningRateSchedule {
        let rates = Array(repeating: Float(learningRate), count: groupCount)
        // A warm-up longer than the run simply never reaches the peak (as in Hugging Face): the schedules take it as is.
        switch scheduler {
        case .constant: return try ConstantSchedule(baseLearningRates: rates)
        case .linear: return try LinearWarmupSchedule(baseLearningRates: rates, warmupSteps: warmupSteps, totalSteps: totalSteps)
        case .cosine: return try CosineWarmupSchedule(baseLearningRates: rates, warmupSteps: warmupSteps, totalSteps: totalSteps)
        case .oneCycle: return try OneCycleSchedule(maxLearningRates: rates, totalSteps: totalSteps)
        case .plateau:
            return try ReduceLROnPlateau(baseLearningRates: rates, mode: bestMetricGreaterIsBetter ? .max : .min,
                                         factor: 0.1, patience: 2)
        }
    }

    /// Hugging Face's rule (`Trainer.get_decay_parameter_names`) by name: no decay for any parameter whose
    /// lower-cased name holds "bias" (recurrent layers' `bias_ih_l0` too), "layernorm" or "rmsnorm", or has
    /// a component that is `norm` or ends in `_norm`; `makeOptimizer` also exempts every `LayerNorm` by type.
    static func isExemptFromWeightDecay(_ key: String) -> Bool {
        let name = key.lowercased()
        if name.contains("bias") || name.contains("layernorm") || name.contains("rmsnorm") { return true }
        return name.split(separator: ".").contains { $0 == "norm" || $0.hasSuffix("_norm") }
    }
}
