import Foundation
import LemmaData
import LemmaDistributed
import LemmaNN
import LemmaOptim
import LemmaTensor

extension Trainer {
    /// Trains until the step budget is spent, early stopping triggers, a request or callback stops the run,
    /// or a loss is NaN/Inf (thrown as `TrainingError`, naming the step and batch). With
    /// `loadBestModelAtEnd`, the model ends with the weights of the best checkpoint.
    public func fit() throws -> TrainingResult {
        try Random.using(generator) { try fitScoped() }
    }

    private func fitScoped() throws -> TrainingResult {
        let sessionStart = ContinuousClock.now
        var sessionExamples = 0
        var reason = StopReason.completed
        try synchronizeRanks()
        task.model.train()
        notify { $0.fitBegan(event()) }
        // Elapsed time is added to the state as it passes, so each checkpoint carries it. It is read from the
        // monotonic clock: `Date`'s wall clock can be adjusted mid-run (a run's training_seconds once came out
        // 13.5 s longer than its whole process timed monotonically).
        var clock = ContinuousClock.now

        training: while state.globalStep < state.totalSteps {
            let epochBatches = sampler.batches(count: trainingData.count, epoch: state.epoch, length: trainingData.length)
            if state.batchInEpoch == 0 { notify { $0.epochBegan(event()) } }
            while state.batchInEpoch < epochBatches.count && state.globalStep < state.totalSteps {
                let end = min(state.batchInEpoch + options.gradientAccumulationSteps, epochBatches.count)
                let stepStart = ContinuousClock.now
                let examples = try trainStep(epochBatches[state.batchInEpoch..<end])
                let now = ContinuousClock.now
                state.stepSeconds = (state.stepSeconds ?? 0) + (now - stepStart).inSeconds
                state.trainingSeconds += (now - clock).inSeconds
                clock = now
                sessionExamples += examples
                state.examplesSeen += examples
                state.batchInEpoch = end
                let epochFinished = end == epochBatches.count
                if epochFinished {
                    state.epoch += 1
                    state.batchInEpoch = 0
                }
                notify { $0.stepEnded(event(stepExamples: examples)) }
                DataParallel.injectFault(afterStep: state.globalStep)
                if epochFinished { notify { $0.epochEnded(event()) } }
                if let stop = try afterStep(epochFinished: epochFinished) {
                    reason = stop
                    break training
                }
                if epochFinished { break }  // the next epoch has its own order
            }
        }
        if reason == .completed { try finishRun() }
        var restored: URL?
        if options.loadBestModelAtEnd, let best = state.bestStep, let checkpoints,
           FileManager.default.fileExists(atPath: checkpoints.url(step: best).path) {
            let url = checkpoints.url(step: best)
            try task.model.load(from: url.appendingPathComponent(CheckpointStore.modelFile))
            restored = url
        }
        let seconds = max((ContinuousClock.now - sessionStart).inSeconds, 1e-9)
        state.trainingSeconds += (ContinuousClock.now - clock).inSeconds
        notify { $0.fitEnded(event()) }
        return TrainingResult(reason: reason, state: state, restoredCheckpoint: restored,
                              examplesPerSecond: Double(sessionExamples) / seconds)
    }

    /// One optimizer step over `batches` (several when accumulating gradients); returns the examples seen.
    /// Data-parallel: each rank computes the loss of its share of each batch, weighted by its share of the
    /// global batch's loss terms, and the gradients are summed across ranks during the last backward pass, so
    /// the step is the one a single process takes on the whole batch (up to the order of float sums).
    private func trainStep(_ batches: ArraySlice<[Int]>) throws -> Int {
        notify { $0.stepBegan(event()) }
        schedule.apply(to: optimizer, step: state.globalStep)
        var stepLoss = 0.0, examples = 0
        for (offset, indices) in batches.enumerated() {
            let share = communicator.map { Self.share(of: indices, rank: $0.rank, ranks: $0.size) } ?? indices
            let batch = share.isEmpty ? nil : trainingData.batch(share)
            let loss = batch.map(task.loss(on:))
            let value = loss.map { Double($0.item) } ?? 0
            let terms = Double(batch.map(task.lossTerms(of:)) ?? 0)
            var global = [terms, terms * value, Double(batch.map(task.exampleCount(of:)) ?? 0)]
            if let communicator, communicator.size > 1 { try communicator.allReduceSum(&global) }
            let globalLoss = global[0] > 0 ? global[1] / global[0] : value
            guard globalLoss.isFinite else {
                throw TrainingError("the loss is \(globalLoss.isNaN ? "NaN" : globalLoss > 0 ? "+Inf" : "-Inf") at step \(state.globalStep + 1) (epoch \(state.epoch + 1), "
                    + "batch \(state.batchInEpoch + offset + 1) of \(batchesPerEpoch), examples \(Self.describe(indices))); "
                    + "lower the learning rate or check the data")
            }
            let weight = reducer == nil ? 1 : (global[0] > 0 ? terms / global[0] : 0)
            let last = offset == batches.count - 1
            if let loss {
                (loss * Float(weight / Double(batches.count))).backward(onLeafGradient: last ? reducer.map { reducer in { reducer.gradientReady($0) } } : nil)
            }
            stepLoss += globalLoss / Double(batches.count)
            examples += Int(global[2])
        }
        try reducer?.finish(scale: 1)
        let parameters = optimizer.parameters
        let gradNorm = options.maxGradNorm > 0 ? Double(clipGradNorm(parameters, maxNorm: Float(options.maxGradNorm))) : nil
        let learningRate = Double(optimizer.learningRate(group: 0))
        optimizer.step()
        optimizer.zeroGrad()
        state.globalStep += 1
        state.pendingLossSum += stepLoss
        state.pendingLossSteps += 1
        if state.globalStep % options.loggingSteps == 0 || state.globalStep == state.totalSteps {
            var values = ["loss": state.pendingLossSum / Double(state.pendingLossSteps), "learning_rate": learningRate]
            if let gradNorm { values["grad_norm"] = gradNorm }
            state.pendingLossSum = 0
            state.pendingLossSteps = 0
            let record = LogRecord(step: state.globalStep, epoch: epochPosition(afterBatches: batches.count), values: values)
            notify { $0.logged(record, event()) }
        }
        return examples
    }

    /// The fractional epoch after this step's batches (before the position advances).
    private func epochPosition(afterBatches count: Int) -> Double {
        Double(state.epoch) + Double(state.batchInEpoch + count) / Double(batchesPerEpoch)
    }

    /// Evaluation, checkpoints, requests and early stopping, in that order; returns why to stop, if so.
    private func afterStep(epochFinished: Bool) throws -> StopReason? {
        let requests = try agreedRequests(self.requests.take())
        let evalDue = options.evalSteps.map { state.globalStep % $0 == 0 } ?? epochFinished
        var evaluated = false, saved = false
        if (evalDue || control.shouldEvaluate), validationData != nil {
            let improved = try runEvaluation()
            evaluated = true
            // The best checkpoint must exist to be restored, so an improvement is always saved.
            if options.saveSteps == nil || improved {
                try saveCheckpoint()
                saved = true
            }
        }
        if !saved, control.shouldSave || options.saveSteps.map({ state.globalStep % $0 == 0 }) ?? false {
            try saveCheckpoint()
            saved = true
        }
        control.shouldEvaluate = false
        control.shouldSave = false
        var stop: StopReason?
        if !requests.isEmpty {
            // SIGUSR1 alone stops as it is; any other request (SIGINT, SIGTERM) still gets its checkpoint.
            if requests.contains(where: \.validates), !evaluated, validationData != nil {
                try runEvaluation()
                // The checkpoint then holds this evaluation's effect on the best metric and patience.
                saved = false
            }
            if requests.contains(where: \.saves), !saved {
                try saveCheckpoint()
                saved = true
            }
            let message = requests.map(\.rawValue).sorted().joined(separator: ", ")
            if isPrimary {
                let what = saved ? "checkpoint saved at step \(state.globalStep)"
                    : "stopping at step \(state.globalStep) without a checkpoint ("
                        + (checkpoints?.latest.map { "--resume continues from step \($0.step))" } ?? "none saved yet)")
                FileHandle.standardError.write(Data("\(message): \(what)\n".utf8))
            }
            if requests.contains(where: \.stops) { stop = .requested }
        }
        if stop == nil, let patience = options.earlyStoppingPatience, state.evaluationsWithoutImprovement >= patience {
            stop = .earlyStopping
        }
        if stop == nil, control.shouldStop { stop = .callback }
        control.shouldStop = false
        return stop
    }

    /// The final evaluation and checkpoint, unless the last step already had them.
    private func finishRun() throws {
        if validationData != nil, state.lastEvaluationStep != state.globalStep { _ = try runEvaluation() }
        if let checkpoints, checkpoints.latest?.step != state.globalStep { try saveCheckpoint() }
    }

    /// Evaluates on the validation data and updates the best metric, patience and plateau schedule; returns
    /// whether the metric improved. Data-parallel: rank 0 evaluates and the others take its value of the
    /// best-model metric, so that every rank keeps the same patience and learning-rate schedule.
    @discardableResult
    private func runEvaluation() throws -> Bool {
        guard let validationData else { return false }
        var metrics: [String: Double] = [:]
        var evaluation: Evaluation?
        if isPrimary {
            notify { $0.evaluationBegan(event()) }
            let result = evaluate(validationData)
            for (name, value) in result.metrics { metrics["eval_" + name] = value }
            evaluation = result
            // Hugging Face stops here too: a best-model metric the task does not report would silently keep no best.
            guard metrics[options.bestMetricName] != nil else {
                throw ConfigError("'train.metric_for_best_model' is '\(options.metricForBestModel)', which validation does not report; "
                                  + "it reports \(result.metrics.keys.sorted().joined(separator: ", "))")
            }
        }
        if let communicator, communicator.size > 1 {
            let value = metrics[options.bestMetricName]
            var shared = [value == nil ? 0 : 1, value ?? 0]
            try communicator.allReduceSum(&shared)
            if !isPrimary { metrics = shared[0] > 0 ? [options.bestMetricName: shared[1]] : [:] }
        }
        state.lastEvaluation = metrics
        state.lastEvaluationStep = state.globalStep
        let improved = recordBest(metrics[options.bestMetricName])
        if let plateau = schedule as? ReduceLROnPlateau, let value = metrics[options.bestMetricName] {
            plateau.step(metric: Float(value))
        }
        if let evaluation {
            notify { $0.evaluated(evaluation, event()) }
            let record = LogRecord(step: state.globalStep, epoch: state.epochProgress(batchesPerEpoch: batchesPerEpoch),
                                   values: metrics)
            notify { $0.logged(record, event()) }
        }
        return improved
    }

    private func recordBest(_ value: Double?) -> Bool {
        guard let value, value.isFinite else {
            state.evaluationsWithoutImprovement += 1
            return false
        }
        let greater = options.bestMetricGreaterIsBetter
        let improved: Bool
        if let best = state.bestMetric {
            let gain = greater ? value - best : best - value
            improved = gain > 0
            // Early stopping counts only improvements larger than the threshold (Hugging Face's rule).
            if gain > options.earlyStoppingThreshold { state.evaluationsWithoutImprovement = 0 } else { state.evaluationsWithoutImprovement += 1 }
        } else {
            improved = true
            state.evaluationsWithoutImprovement = 0
        }
        if improved {
            state.bestMetric = value
            state.bestStep = state.globalStep
        }
        return improved
    }

    /// Rank `rank`'s contiguous share of a global batch (sizes differ by at most one).
    static func share(of indices: [Int], rank: Int, ranks: Int) -> [Int] {
        let start = indices.count * rank / ranks, end = indices.count * (rank + 1) / ranks
        return Array(indices[start..<end])
    }

    /// Data-parallel start: every rank begins from rank 0's parameters and buffers (a fresh model's random
    /// initialization, or the checkpoint rank 0 resumed from).
    func synchronizeRanks() throws {
        guard let communicator, communicator.size > 1 else { return }
        let model = task.model
        try GradientReducer.broadcast(model.parameters() + model.namedBuffers().map(\.tensor), from: 0, over: communicator)
    }

    /// Requests and callback decisions as every rank will act on them: any rank's counts (signals reach ranks
    /// at different moments), so that all ranks stop, save or evaluate at the same step.
    func agreedRequests(_ local: Set<TrainingRequest>) throws -> Set<TrainingRequest> {
        guard let communicator, communicator.size > 1 else { return local }
        let all = TrainingRequest.allCases
        var flags = all.map { local.contains($0) ? 1.0 : 0 } + [control.shouldStop, control.shouldSave, control.shouldEvaluate].map { $0 ? 1.0 : 0 }
        try communicator.allReduceSum(&flags)
        (control.shouldStop, control.shouldSave, control.shouldEvaluate) = (flags[all.count] > 0, flags[all.count + 1] > 0, flags[all.count + 2] > 0)
        return Set(all.indices.filter { flags[$0] > 0 }.map { all[$0] })
    }

    static func describe(_ indices: [Int]) -> String {
        indices.count <= 8 ? indices.map(String.init).joined(separator: ", ")
            : indices.prefix(8).map(String.init).joined(separator: ", ") + ", …"
    }
}

private extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
