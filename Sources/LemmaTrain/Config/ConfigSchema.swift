/// Every configuration key `lemma train` accepts, with its type and default: the single source for
/// validation, `--set` overrides and docs/CONFIG.md. Names follow Hugging Face's TrainingArguments where one
/// exists.
public enum ConfigValueType: Equatable, Sendable {
    case string, int, double, bool
    case choice([String])

    var name: String {
        switch self {
        case .string: "a string"
        case .int: "an integer"
        case .double: "a number"
        case .bool: "true or false"
        case .choice(let options): "one of " + options.joined(separator: ", ")
        }
    }
}

public struct ConfigKey: Sendable {
    public let path: String
    public let type: ConfigValueType
    public let defaultValue: ConfigValue?
    public let help: String
}

public enum ConfigSchema {
    static func key(_ path: String, _ type: ConfigValueType, _ defaultValue: ConfigValue?, _ help: String) -> ConfigKey {
        ConfigKey(path: path, type: type, defaultValue: defaultValue, help: help)
    }

    public static let keys: [ConfigKey] = [
        key("task", .choice(["classification", "seq2seq", "language-model", "im2latex"]), .string("classification"), "What is trained."),
        key("output", .string, nil, "Run directory (also `--output`)."),
        key("data.train", .string, nil, "Training corpus: .csv .tsv .jsonl .txt .tar, a directory, or a prepared dataset."),
        key("data.valid", .string, nil, "Validation corpus; without one, `valid_fraction` of train is held out."),
        key("data.test", .string, nil, "Test corpus, evaluated at the end."),
        key("data.text_column", .string, .string("text"), "CSV/TSV column or JSONL field with the text."),
        key("data.label_column", .string, .string("label"), "CSV/TSV column or JSONL field with the label."),
        key("data.valid_fraction", .double, .double(0.1), "Share of train held out (stratified) when there is no `valid`."),
        key("data.label_map", .string, nil, "`ams8` or a JSON file mapping labels to classes (null drops)."),
        key("data.unknown_labels", .string, .string("error"), "Labels the label map does not list: `error`, `skip`, `keep` or `map:<class>` (counts per label are logged)."),
        key("data.max_per_class", .int, nil, "Keep at most this many training examples per class."),
        key("tokenizer.kind", .choice(["word", "gpt2", "wordpiece", "char", "latex"]), .string("word"), "Tokenizer."),
        key("tokenizer.vocab", .string, nil, "Vocabulary file; `word` builds one from the training split without it."),
        key("tokenizer.lowercase", .bool, .bool(false), "Lower-case before tokenizing."),
        key("tokenizer.max_length", .int, .int(128), "Tokens kept per example."),
        key("model.arch", .choice(["mlp", "cnn", "rnn", "gru", "lstm", "bilstm", "transformer"]), .string("cnn"), "Model preset."),
        key("model.embedding_dim", .int, .int(64), "Embedding size (ignored with pretrained vectors)."),
        key("model.hidden_size", .int, .int(128), "Hidden units of recurrent and dense layers."),
        key("model.num_layers", .int, .int(1), "Recurrent layers."),
        key("model.num_filters", .int, .int(100), "Convolution filters (cnn)."),
        key("model.filter_size", .int, .int(3), "Convolution width (cnn)."),
        key("model.filter_sizes", .string, nil, "Several convolution widths, comma-separated, e.g. `3,4,5` (cnn; overrides filter_size)."),
        key("model.bidirectional", .bool, .bool(false), "Read the text in both directions (rnn, gru, lstm)."),
        key("model.dropout", .double, .double(0.1), "Dropout probability."),
        key("model.pretrained_embeddings", .string, nil, "Word vectors file (GloVe/word2vec/fastText/kumo directory)."),
        key("model.pretrained_model", .string, nil, "Hugging Face BERT-family directory (config.json, model.safetensors, tokenizer) for `transformer`."),
        key("model.pooling", .choice(["mean", "pooler"]), .string("mean"), "How `transformer` pools tokens: mean of real tokens, or BERT's pooler ([CLS])."),
        key("model.freeze_embeddings", .bool, .bool(true), "Keep pretrained embeddings fixed."),
        key("train.optimizer", .choice(["sgd", "adam", "adamw", "rmsprop", "adafactor"]), .string("adamw"), "Optimizer."),
        key("train.learning_rate", .double, .double(1e-3), "Peak learning rate."),
        key("train.weight_decay", .double, .double(0), "Weight decay."),
        key("train.lr_scheduler", .choice(["constant", "linear", "cosine", "one_cycle", "plateau"]), .string("linear"), "Learning-rate schedule."),
        key("train.warmup_steps", .int, .int(0), "Linear warm-up steps (linear, cosine)."),
        key("train.batch_size", .int, .int(32), "Examples per step (before accumulation)."),
        key("train.eval_batch_size", .int, nil, "Examples per evaluation batch (default: batch_size)."),
        key("train.gradient_accumulation_steps", .int, .int(1), "Batches per optimizer step."),
        key("train.epochs", .double, .double(3), "Passes over the training data (ignored when max_steps is set)."),
        key("train.max_steps", .int, nil, "Optimizer steps in all."),
        key("train.eval_steps", .int, nil, "Evaluate every N steps (default: each epoch)."),
        key("train.logging_steps", .int, .int(50), "Log every N steps."),
        key("train.save_steps", .int, nil, "Checkpoint every N steps (default: each evaluation)."),
        key("train.save_total_limit", .int, .int(2), "Checkpoints kept, besides the best."),
        key("train.load_best_model_at_end", .bool, .bool(true), "Restore the best checkpoint when training ends."),
        key("train.metric_for_best_model", .string, .string("eval_loss"), "Metric that picks the best checkpoint."),
        key("train.greater_is_better", .bool, nil, "Direction of the metric (default: false for losses, true otherwise)."),
        key("train.early_stopping_patience", .int, nil, "Stop after N evaluations without improvement."),
        key("train.early_stopping_threshold", .double, .double(0), "Least improvement that counts."),
        key("train.max_grad_norm", .double, .double(1), "Clip gradients to this global norm (0: off)."),
        key("train.class_weights", .choice(["none", "balanced"]), .string("none"), "Weight the loss by class frequency."),
        key("train.seed", .int, .int(42), "Seed for initialization, shuffling and dropout."),
        key("train.deterministic", .bool, .bool(false), "Bit-for-bit repeatable runs."),
    ]

    public static let byPath: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: keys.map { ($0.path, $0) })
}
