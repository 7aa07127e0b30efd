import Foundation

extension LinePlot {
    /// The learning-rate finder's plot as fastai draws it (`plot_lr_find`): smoothed loss against a log-scaled
    /// learning rate, leaving out the last `skipEnd` points (where the loss shoots up), with a labelled
    /// marker per suggestion.
    public static func learningRateFinder(_ sweep: LearningRateSweep, suggestions: [LearningRateSuggestion.Result] = [],
                                          skipEnd: Int = 5) -> LinePlot {
        let kept = max(0, sweep.smoothedLosses.count - skipEnd)
        return LinePlot(
            title: "Learning-rate finder", xLabel: "learning rate", yLabel: "loss (smoothed)",
            series: [Series(name: "loss", x: Array(sweep.learningRates.prefix(kept)), y: Array(sweep.smoothedLosses.prefix(kept)))],
            logarithmicX: true,
            markers: suggestions.map { Marker(x: $0.learningRate, label: "\($0.method.rawValue) \(scientificLabel($0.learningRate))") })
    }
}
