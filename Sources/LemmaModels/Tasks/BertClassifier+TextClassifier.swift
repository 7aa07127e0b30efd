/// A fine-tuned BERT is one more text classifier for the classification task (`model.arch: transformer`).
extension BertClassifier: TextClassifier {}
