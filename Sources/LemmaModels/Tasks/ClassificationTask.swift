import LemmaData
import LemmaNN
import LemmaTensor
import LemmaTrain

/// Text classification for the trainer: cross-entropy (optionally class-weighted) on a classifier's logits;
/// evaluation gives accuracy, macro and weighted F1, the classification report and the confusion matrix.
public final class ClassificationTask: TrainingTask {
    public let classifier: any TextClassifier
    public let classes: [String]
    /// Per-class loss weights, in `classes` order.
    public let classWeights: Tensor?

    public init(classifier: any TextClassifier, classes: [String], classWeights: [Float]? = nil) {
        precondition(classifier.classCount == classes.count,
                     "ClassificationTask: the classifier has \(classifier.classCount) outputs for \(classes.count) classes")
        self.classifier = classifier
        self.classes = classes
        self.classWeights = classWeights.map { Tensor($0, shape: [$0.count]) }
    }

    public var model: Module { classifier }

    public func loss(on batch: Batch) -> Tensor {
        guard let labels = batch.labels else { fatalError("ClassificationTask: a training batch has no labels") }
        return crossEntropy(classifier.logits(batch), labels, classWeights: classWeights)
    }

    public func exampleCount(of batch: Batch) -> Int { batch.lengths.count }

    public func evaluate(_ batches: AnySequence<Batch>) -> Evaluation {
        let (metrics, loss) = measure(batches)
        let report = metrics.report()
        let matrix = metrics.confusion
        let counts = (0..<classes.count).map { t in (0..<classes.count).map { p in matrix[target: t, predicted: p] } }
        return Evaluation(
            metrics: ["loss": loss, "accuracy": report.accuracy, "macro_f1": report.macro.f1, "weighted_f1": report.weighted.f1],
            details: [.text(title: "Classification report", body: report.render()),
                      .confusionMatrix(labels: classes, counts: counts)])
    }

    /// The confusion counts and the mean loss over `batches` (call in eval mode, without gradients).
    public func measure(_ batches: AnySequence<Batch>) -> (ClassificationMetrics, loss: Double) {
        var metrics = ClassificationMetrics(classNames: classes)
        var lossSum = 0.0, seen = 0
        for batch in batches {
            guard let labels = batch.labels else { continue }
            let logits = classifier.logits(batch)
            let count = batch.lengths.count
            lossSum += Double(crossEntropy(logits, labels, classWeights: classWeights).item) * Double(count)
            seen += count
            metrics.add(predictions: logits.argmax(axis: 1).values, targets: labels.values)
        }
        return (metrics, seen > 0 ? lossSum / Double(seen) : .nan)
    }

    /// Class probabilities [B, classes] for a batch, in eval mode and without gradients.
    public func probabilities(_ batch: Batch) -> Tensor {
        let wasTraining = classifier.isTraining
        classifier.eval()
        defer { classifier.train(wasTraining) }
        return withNoGrad { classifier.logits(batch).softmax(axis: -1) }
    }
}
