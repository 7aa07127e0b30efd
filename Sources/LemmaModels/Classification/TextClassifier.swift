import LemmaData
import LemmaNN
import LemmaTensor

/// A model that reads a padded batch of token ids and scores every class: the common face of the
/// classification presets, so training and evaluation code need not know which architecture it holds.
/// Dropout follows the module's mode: `train()` for training steps, `eval()` for evaluation and serving.
public protocol TextClassifier: Module {
    var classCount: Int { get }

    /// Unnormalized class scores [B, classCount] for `batch.ids` [B, L].
    func logits(_ batch: Batch) -> Tensor
}

extension TextClassifier {
    /// Mean cross-entropy of the batch's logits against its labels.
    public func loss(_ batch: Batch) -> Tensor {
        guard let labels = batch.labels else {
            fatalError("\(type(of: self)).loss: the batch has no labels")
        }
        return crossEntropy(logits(batch), labels)
    }
}
