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
    /// The tasks this key means something to; nil: every task.
    public let tasks: [String]?
    /// Defaults that differ by task (a preset's own sizes, e.g. seed 002's 300-d embeddings for seq2seq).
    public let taskDefaults: [String: ConfigValue]

    /// Whether a run of `task` reads this key.
    public func applies(to task: String) -> Bool { tasks?.contains(task) ?? true }

    /// The default for a run of `task`.
    public func defaultValue(for task: String) -> ConfigValue? { taskDefaults[task] ?? defaultValue }
}

public enum ConfigSchema {
    /// Every task a run can have, in the order they were added; `task:` picks one.
    public static let tasks = ["classification", "seq2seq", "language_model", "im2latex"]

    static func key(_ path: String, _ type: ConfigValueType, _ defaultValue: ConfigValue?, _ help: String,
                    tasks: [String]? = nil, taskDefaults: [String: ConfigValue] = [:]) -> ConfigKey {
        ConfigKey(path: path, type: type, defaultValue: defaultValue, help: help, tasks: tasks, taskDefaults: taskDefaults)
    }

    static let classification = ["classification"]
    static let seq2seq = ["seq2seq"]
    static let languageModel = ["language_model"]
    static let im2latex = ["im2latex"]

    public static let keys: [ConfigKey] = [
        key("task", .choice(tasks), .string("classification"), "What is trained; each task reads the keys marked for it."),
        key("output", .string, nil, "Run directory (also `--output`)."),
        key("working_directory", .string, nil, "Where the run was trained, which `lemma train` records in the run's config.yaml: a relative path that names nothing from the current directory is read from there (`lemma eval` of a new split started elsewhere)."),
        key("data.train", .string, nil, "Training corpus: .csv .tsv .jsonl .txt .tar, a directory, or a prepared dataset."),
        key("data.valid", .string, nil, "Validation corpus; without one, `valid_fraction` of train is held out."),
        key("data.test", .string, nil, "Test corpus, evaluated at the end."),
        key("data.text_column", .string, .string("text"), "CSV/TSV column or JSONL field with the text.", tasks: ["classification", "language_model"]),
        key("data.label_column", .string, .string("label"), "CSV/TSV column or JSONL field with the label.", tasks: classification),
        key("data.valid_fraction", .double, .double(0.1),
            "Share of train held out when there is no `valid` (stratified by label for classification, pairs at random for seq2seq, documents at random for language_model: the tail when the corpus is one text file).",
            taskDefaults: ["language_model": .double(0.05)]),
        key("data.block_size", .int, .int(256), "Tokens per training window (at most the model's positions).", tasks: languageModel),
        key("data.label_map", .string, nil, "`ams8` or a JSON file mapping labels to classes (null drops).", tasks: classification),
        key("data.unknown_labels", .string, .string("error"), "Labels the label map does not list: `error`, `skip`, `keep` or `map:<class>` (counts per label are logged).", tasks: classification),
        key("data.max_per_class", .int, nil, "Keep at most this many training examples per class.", tasks: classification),
        key("data.source_column", .string, .string("source"), "CSV/TSV column or JSONL field with the source text.", tasks: seq2seq),
        key("data.target_column", .string, .string("target"), "CSV/TSV column or JSONL field with the target text.", tasks: seq2seq),
        key("data.train_target", .string, nil,
            "Target side of a parallel corpus: `data.train` is then the source text file, line i translating to line i.",
            tasks: seq2seq),
        key("data.valid_target", .string, nil, "Target side of a parallel validation corpus.", tasks: seq2seq),
        key("data.test_target", .string, nil, "Target side of a parallel test corpus.", tasks: seq2seq),
        key("data.max_length", .int, nil,
            "Leave out training and validation pairs with a side longer than this many tokens (fastai keeps ≤ 30).",
            tasks: seq2seq),
        key("data.formulas", .string, nil, "im2markup's formula list (one formula per line; split lists name formulas by 0-based line).", tasks: im2latex),
        key("data.images", .string, nil, "Directory of formula images named in the split lists; missing ones are rendered into it with LaTeX + dvipng (default: the run's data/images).", tasks: im2latex),
        key("data.max_tokens", .int, .int(150), "Leave out training and validation formulas longer than this many tokens (never test ones).", tasks: im2latex),
        key("data.downsample_ratio", .int, .int(2), "Shrink bucketed images by this factor (im2markup: 2).", tasks: im2latex),
        key("data.image_padding", .int, .int(8), "White pixels around the ink before bucketing.", tasks: im2latex),
        key("data.render_dpi", .int, .int(200), "Resolution formulas are rendered at.", tasks: im2latex),
        key("data.max_image_width", .int, .int(500), "Leave out training and validation images wider than this after processing (im2markup: 500; never test ones).", tasks: im2latex),
        key("data.max_image_height", .int, .int(160), "Leave out training and validation images taller than this after processing (im2markup: 160).", tasks: im2latex),
        key("data.prepared", .string, nil, "A directory `lemma prepare --config` wrote from the same data settings: the run links its images and token ids instead of preparing them again.", tasks: im2latex),
        key("tokenizer.splitting", .choice(["whitespace", "latex", "im2markup"]), nil, "im2latex formulas: space-separated tokens as normalized lists have them (whitespace), raw LaTeX split by the LaTeX tokenizer (latex), or raw LaTeX first normalized as im2markup normalizes (im2markup: x^2 and x^{2} both x ^ { 2 }, \\sin → \\operatorname { s i n }). Default: im2markup when a split list is CSV or JSON Lines, which hold LaTeX as written; whitespace for im2markup's lists.", tasks: im2latex),
        key("tokenizer.kind", .choice(["word", "whitespace", "gpt2", "wordpiece", "char", "latex"]), .string("word"), "Tokenizer.",
            taskDefaults: ["language_model": .string("gpt2")]),
        key("tokenizer.allow_special", .bool, .bool(true),
            "`<|endoftext|>` written in the text is the end-of-text token (tiktoken's `allowed_special=\"all\"`, Hugging Face's GPT-2 tokenizer); false: plain text.",
            tasks: languageModel),
        key("tokenizer.vocab", .string, nil, "Vocabulary file; `word` builds one from the training split without it."),
        key("tokenizer.lowercase", .bool, .bool(false), "Lower-case before tokenizing."),
        key("tokenizer.max_length", .int, .int(128), "Tokens kept per example."),
        key("tokenizer.target_kind", .choice(["word", "whitespace", "gpt2", "wordpiece", "char", "latex"]), nil,
            "Tokenizer of the target side (default: `tokenizer.kind`).", tasks: seq2seq),
        key("tokenizer.target_vocab", .string, nil, "Vocabulary file of the target side.", tasks: seq2seq),
        key("tokenizer.shared_vocab", .bool, .bool(false),
            "One vocabulary built from both sides (needs the same tokenizer on both).", tasks: seq2seq),
        key("tokenizer.min_frequency", .int, .int(1), "Tokens seen fewer times in the training split are `<unk>`.", tasks: seq2seq + im2latex),
        key("tokenizer.max_vocab", .int, nil, "Most tokens a built vocabulary keeps, special tokens included.", tasks: seq2seq),
        key("model.arch", .choice(["mlp", "cnn", "rnn", "gru", "lstm", "bilstm", "transformer", "gru_attention", "gpt2", "im2markup", "untrix"]), .string("cnn"),
            "Model preset (classification: mlp, cnn, rnn, gru, lstm, bilstm, transformer; seq2seq: gru, gru_attention, transformer; language_model: gpt2; im2latex: im2markup, untrix).",
            taskDefaults: ["seq2seq": .string("gru"), "language_model": .string("gpt2"), "im2latex": .string("im2markup")]),
        key("model.embedding_dim", .int, .int(64), "Embedding size (ignored with pretrained vectors); seq2seq: the source side's; gpt2: n_embd; im2latex: the target tokens' (untrix, seed 003: 64).",
            taskDefaults: ["seq2seq": .int(300), "language_model": .int(768), "im2latex": .int(80)]),
        key("model.hidden_size", .int, .int(128), "Hidden units of recurrent and dense layers; seq2seq: the encoder's; im2latex: the decoder LSTM's (untrix, seed 003: 1500).",
            tasks: ["classification", "seq2seq", "im2latex"], taskDefaults: ["seq2seq": .int(256), "im2latex": .int(512)]),
        key("model.encoder_hidden_size", .int, .int(256), "im2markup's row encoder: hidden units per direction of the BiLSTM over feature rows.", tasks: im2latex),
        key("model.cnn_channels", .int, .int(512), "Channels of the CNN encoder's last layers (im2markup: 512; the others scale with it: 64, 128, 256, 256, 512, 512).", tasks: im2latex),
        key("model.canvas_width", .int, .int(544), "untrix: width of the paper canvas images are centred on (a multiple of 32; seed 003: 1088 before downsampling). Larger training and validation images are left out.", tasks: im2latex),
        key("model.canvas_height", .int, .int(64), "untrix: height of the canvas (a multiple of 32; seed 003: 128 before downsampling).", tasks: im2latex),
        key("model.image_strips", .bool, .bool(true), "untrix: attend to vertical strips of the feature grid (I2L-STRIPS), or to every cell (false: I2L-NOPOOL).", tasks: im2latex),
        key("model.output_hidden_size", .int, .int(358), "untrix: units of each of the output MLP's two tanh layers.", tasks: im2latex),
        key("model.num_layers", .int, .int(1), "Recurrent layers (seq2seq: of the encoder and of the decoder; gpt2: n_layer; untrix: stacked decoder LSTMs, seed 003: 2).",
            taskDefaults: ["seq2seq": .int(2), "language_model": .int(12)]),
        key("model.num_filters", .int, .int(100), "Convolution filters (cnn).", tasks: classification),
        key("model.filter_size", .int, .int(3), "Convolution width (cnn).", tasks: classification),
        key("model.filter_sizes", .string, nil, "Several convolution widths, comma-separated, e.g. `3,4,5` (cnn; overrides filter_size).", tasks: classification),
        key("model.bidirectional", .bool, .bool(false), "Read the text in both directions (rnn, gru, lstm).", tasks: classification),
        key("model.dropout", .double, .double(0.1), "Dropout probability (seq2seq: the transformer only; the gru presets keep seed 002's own dropouts; im2latex: im2markup only, 0 by default as in im2markup; untrix has none).",
            taskDefaults: ["im2latex": .double(0)]),
        key("model.pretrained_embeddings", .string, nil, "Word vectors file (GloVe/word2vec/fastText/kumo directory).",
            tasks: ["classification", "seq2seq"]),
        key("model.pretrained_model", .string, nil, "Hugging Face BERT-family directory (config.json, model.safetensors, tokenizer) for `transformer`.", tasks: classification),
        key("model.pooling", .choice(["mean", "pooler"]), .string("mean"), "How `transformer` pools tokens: mean of real tokens, or BERT's pooler ([CLS]).", tasks: classification),
        key("model.target_embedding_dim", .int, .int(300),
            "Decoder embedding size, which is also the decoder's width (its output layer is tied to it).", tasks: seq2seq),
        key("model.target_pretrained_embeddings", .string, nil, "Word vectors for the target embedding.", tasks: seq2seq),
        key("model.num_heads", .int, .int(4), "Attention heads (seq2seq transformer, gpt2's n_head; must divide embedding_dim).",
            tasks: ["seq2seq", "language_model"], taskDefaults: ["language_model": .int(12)]),
        key("model.feed_forward_dim", .int, nil, "Feed-forward width of each transformer layer (default: 4 × embedding_dim).",
            tasks: ["seq2seq", "language_model"]),
        key("model.norm_first", .bool, .bool(false), "Pre-LN transformer layers (post-LN, the original's, otherwise).", tasks: seq2seq),
        key("model.positions", .choice(["sinusoidal", "learned"]), .string("sinusoidal"), "Transformer position encoding.",
            tasks: seq2seq),
        key("model.max_positions", .int, .int(512), "Positions a learned table holds (the longest sequence it can read; gpt2: n_positions).",
            tasks: ["seq2seq", "language_model"], taskDefaults: ["language_model": .int(1024)]),
        key("model.pretrained", .string, nil,
            "Hugging Face GPT-2 directory (config.json, model.safetensors) to fine-tune; its config sets the model's shape.",
            tasks: languageModel),
        key("model.freeze_embeddings", .bool, .bool(true), "Keep pretrained embeddings fixed.", tasks: ["classification", "seq2seq"],
            taskDefaults: ["seq2seq": .bool(false)]),
        key("decoding.beams", .int, .int(1), "Beam size of the final evaluation and `lemma predict` (1: greedy).", tasks: seq2seq + im2latex,
            taskDefaults: ["im2latex": .int(5)]),
        key("decoding.max_length", .int, .int(150), "Most tokens decoded for one image.", tasks: im2latex),
        key("decoding.length_penalty", .double, .double(1), "Beam scores are divided by length^this (im2latex: 0, im2markup's plain sum of log-probabilities).",
            tasks: seq2seq + im2latex, taskDefaults: ["im2latex": .double(0)]),
        key("decoding.max_length_a", .double, .double(1.5),
            "Decoded tokens at most a · source length + b (fairseq's max_len_a/max_len_b).", tasks: seq2seq),
        key("decoding.max_length_b", .int, .int(10), "See `decoding.max_length_a`.", tasks: seq2seq),
        key("decoding.no_repeat_ngram_size", .int, .int(0), "No n-gram of this size is generated twice (0: off).", tasks: seq2seq),
        key("decoding.min_length", .int, .int(0), "End tokens are suppressed until this many tokens were decoded (Hugging Face's min_new_tokens).",
            tasks: seq2seq + im2latex),
        key("decoding.repetition_penalty", .double, .double(1),
            "Scores of tokens already decoded are divided by this when positive, multiplied when negative (1: off; CTRL's penalty).",
            tasks: seq2seq + im2latex),
        key("decoding.early_stopping", .choice(["false", "true", "never"]), .string("false"),
            "When beam search stops (Hugging Face's early_stopping): false, once no running beam can beat the finished ones at its length; true, as soon as `beams` hypotheses finished; never, only when none can at any length.",
            tasks: seq2seq + im2latex),
        key("decoding.temperature", .double, .double(1), "Sampling temperature (samples during training, `lemma generate`).", tasks: languageModel),
        key("decoding.top_k", .int, .int(40), "Sample among the k most likely tokens (0: all; seed 001 uses 40).", tasks: languageModel),
        key("decoding.top_p", .double, nil, "Sample among the most likely tokens whose probability reaches p (nucleus).", tasks: languageModel),
        key("train.optimizer", .choice(["sgd", "adam", "adamw", "rmsprop", "adafactor"]), .string("adamw"), "Optimizer."),
        key("train.learning_rate", .double, .double(1e-3), "Peak learning rate."),
        key("train.weight_decay", .double, .double(0), "Weight decay."),
        key("train.adam_beta1", .double, .double(0.9), "Adam / AdamW: decay of the first moment (seed 003: 0.5)."),
        key("train.adam_beta2", .double, .double(0.999), "Adam / AdamW: decay of the second moment (seed 003: 0.9)."),
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
        key("train.class_weights", .choice(["none", "balanced"]), .string("none"), "Weight the loss by class frequency.", tasks: classification),
        key("train.teacher_forcing_end_epoch", .int, nil,
            "fastai's teacher forcing: probability 1 − epoch/N of feeding the target token (training only); unset: always.",
            tasks: seq2seq),
        key("train.activation_checkpointing", .bool, .bool(false),
            "Keep only each transformer block's input and recompute the rest in the backward pass (less memory, one more forward).",
            tasks: languageModel),
        key("train.sample_steps", .int, nil, "Write a sample into the log every N steps (nshepperd's sample_every).", tasks: languageModel),
        key("train.sample_length", .int, .int(64), "Tokens per sample (during training and in the report).", tasks: languageModel),
        key("train.seed", .int, .int(42), "Seed for initialization, shuffling and dropout."),
        key("train.deterministic", .bool, .bool(false), "Bit-for-bit repeatable runs."),
        key("distributed.timeout", .double, .double(900),
            "Under mpirun: seconds a collective (gradient all-reduce, the wait for rank 0's evaluation) may take before the ranks stop, naming the rank that gave up."),
    ]

    /// The keys whose values name files or directories, relative to the working directory when not absolute.
    public static let pathKeys: Set<String> = [
        "data.train", "data.valid", "data.test", "data.train_target", "data.valid_target", "data.test_target", "data.label_map",
        "data.formulas", "data.images", "data.prepared", "tokenizer.vocab", "tokenizer.target_vocab",
        "model.pretrained_embeddings", "model.target_pretrained_embeddings", "model.pretrained_model", "model.pretrained",
    ]

    public static let byPath: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: keys.map { ($0.path, $0) })

    /// The table of every key that docs/CONFIG.md holds (`lemma info --config-keys` prints it).
    public static func markdownTable() -> String {
        func shown(_ value: ConfigValue?) -> String {
            guard let value else { return "—" }
            if case .double(let v) = value, v != 0, abs(v) < 1e-2 { return String(format: "%g", v) }
            return value.description
        }
        var lines = ["| key | type | default | tasks | meaning |", "|---|---|---|---|---|"]
        for key in keys {
            let type: String
            switch key.type {
            case .choice(let options): type = options.joined(separator: " / ")
            case .string: type = "string"
            case .int: type = "int"
            case .double: type = "double"
            case .bool: type = "bool"
            }
            var defaults = shown(key.defaultValue)
            for (task, value) in key.taskDefaults.sorted(by: { $0.key < $1.key }) { defaults += " (\(task): \(shown(value)))" }
            lines.append("| `\(key.path)` | \(type) | \(defaults) | \(key.tasks?.joined(separator: ", ") ?? "all") | \(key.help) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
