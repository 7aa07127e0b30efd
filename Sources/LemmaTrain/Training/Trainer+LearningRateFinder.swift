import Foundation
import LemmaNN
import LemmaOptim
import LemmaTensor

extension Trainer {
    /// fastai's `lr_find`: from the current weights, trains one batch per iteration at a learning rate
    /// growing exponentially over `sweep` (1e-7 to 10 by default), recording the smoothed loss, until the
    /// sweep ends or the loss diverges; then puts the model and optimizer back exactly as they were. The
    /// returned sweep holds the curve and gives fastai's suggestions.
    public func findLearningRate(_ sweep: LearningRateSweep = LearningRateSweep()) throws -> LearningRateSweep {
        let savedModel = task.model.stateDict().mapValues { $0.copied() }
        let savedOptimizer = optimizer.stateDict()
        defer {
            try? task.model.loadStateDict(savedModel)
            try? optimizer.loadStateDict(savedOptimizer)
            optimizer.zeroGrad()
        }
        var sweep = sweep
        Random.using(RandomGenerator(seed: options.seed ^ 0x1F1D)) {
            task.model.train()
            var epoch = 0, position = 0
            var order = sampler.batches(count: trainingData.count, epoch: epoch, length: trainingData.length)
            while !sweep.isFinished {
                if position == order.count {
                    epoch += 1
                    position = 0
                    order = sampler.batches(count: trainingData.count, epoch: epoch, length: trainingData.length)
                }
                let rate = Float(sweep.learningRateForNextStep)
                for group in 0..<optimizer.groupCount { optimizer.setLearningRate(rate, group: group) }
                let loss = task.loss(on: trainingData.batch(order[position]))
                position += 1
                let value = Double(loss.item)
                if value.isFinite {
                    loss.backward()
                    if options.maxGradNorm > 0 { _ = clipGradNorm(optimizer.parameters, maxNorm: Float(options.maxGradNorm)) }
                    optimizer.step()
                }
                optimizer.zeroGrad()
                sweep.record(loss: value)
            }
        }
        return sweep
    }
}
