import Foundation
import LemmaModels
import LemmaTensor
import LemmaText
import LemmaTrain

/// What `lemma serve` was asked to serve: trained runs (`--run`) and Hugging Face directories (`--model`:
/// GPT-2 for completions, BERT-family for embeddings).
public enum ModelSource: Sendable, Equatable {
    case run(URL)
    case directory(URL)

    var url: URL {
        switch self {
        case .run(let url), .directory(let url): url
        }
    }
}

/// The served models, by name, once loaded: the server answers `/health` with 503 until then.
final class ModelCatalog: @unchecked Sendable {
    private let lock = NSLock()
    private var models: [any ServedModel] = []
    private var ready = false
    private var failure: String?

    var isReady: Bool { lock.withLock { ready } }
    var loadFailure: String? { lock.withLock { failure } }
    var all: [any ServedModel] { lock.withLock { models } }

    func finish(_ loaded: [any ServedModel]) {
        lock.withLock {
            models = loaded
            ready = true
        }
    }

    func fail(_ message: String) { lock.withLock { failure = message } }

    /// Throws unless the models are loaded: 503 "loading" (retry) while they load, 503 with the cause (no retry
    /// will help) once loading has failed.
    func requireReady() throws {
        guard !isReady else { return }
        if let failure = loadFailure { throw APIError(.serviceUnavailable, "the models failed to load: \(failure)", type: "server_error", code: "load_failed") }
        throw APIError.loading
    }

    /// The model a request names (or the only one of its kind when it names none).
    func model<M: ServedModel>(_ name: String?, as type: M.Type, kind: ModelKind) throws -> M {
        try requireReady()
        let candidates = all.compactMap { $0 as? M }
        if let name {
            // A BERT-family classification run is served twice under its name: classifier and embedder.
            if let typed = all.first(where: { $0.name == name && $0 is M }) as? M { return typed }
            guard let model = all.first(where: { $0.name == name }) else {
                throw APIError.notFound("no model named '\(name)'; served: \(all.map(\.name).joined(separator: ", "))")
            }
            guard let typed = model as? M else {
                throw APIError(.notFound, "model '\(name)' is a \(model.kind.rawValue), not a \(kind.rawValue)", code: "wrong_model_kind")
            }
            return typed
        }
        guard let only = candidates.first else { throw APIError.notFound("no \(kind.rawValue) is served here") }
        guard candidates.count == 1 else {
            throw APIError.invalid("several \(kind.rawValue) models are served (\(candidates.map(\.name).joined(separator: ", "))); name one in 'model'",
                                   code: "model_required")
        }
        return only
    }

    /// Loads every source (on the calling thread), naming each by its directory's last component.
    static func load(_ sources: [ModelSource], executor: ComputeExecutor, options: ServeOptions, metrics: ServerMetrics,
                     log: @escaping (String) -> Void) throws -> [any ServedModel] {
        var models: [any ServedModel] = []
        for source in sources {
            var name = source.url.standardizedFileURL.lastPathComponent
            while models.contains(where: { $0.name == name }) { name += "-\(models.count + 1)" }
            let model: any ServedModel
            switch source {
            case .run(let url):
                let run = try TaskRegistry.open(RunDirectory(url), log: log)
                try run.loadTrainedModel()
                switch run {
                case let classification as ClassificationRun:
                    model = ServedClassifier(name: name, run: classification, executor: executor, options: options, metrics: metrics)
                    // A fine-tuned BERT also gives sentence embeddings: its encoder, mean-pooled over the text's tokens.
                    if let bert = classification.task.classifier as? BertClassifier,
                       let wordPiece = classification.data.tokenizer as? WordPieceTokenizer {
                        let encoder = BertEncoder(model: bert.bert, tokenizer: wordPiece, maxLength: classification.maxLength)
                        models.append(ServedEmbedder(name: name, encoder: encoder, executor: executor, options: options, metrics: metrics))
                        log("serving embedder '\(name)' (the fine-tuned encoder, mean-pooled) from \(url.path)")
                    }
                case let language as LanguageModelRun:
                    model = ServedLanguageModel(name: name, model: language.model, tokenizer: try GPT2Tokenizer.bundled(),
                                                defaults: try language.samplingOptions(maxNewTokens: 16), executor: executor,
                                                options: options, metrics: metrics)
                case let seq2seq as Seq2SeqRun:
                    model = ServedTranslator(name: name, run: seq2seq, executor: executor, options: options, metrics: metrics)
                case let im2latex as Im2LatexRun:
                    model = ServedIm2Latex(name: name, run: im2latex, executor: executor, options: options, metrics: metrics)
                default:
                    throw ConfigError("\(url.path): lemma serve does not serve \(run.configuration.task) runs yet")
                }
            case .directory(let url):
                if try modelType(url) == "gpt2" {
                    model = ServedLanguageModel(name: name, model: try GPT2Checkpoint.load(url), tokenizer: try GPT2TokenizerFiles.load(from: url),
                                                defaults: nil, executor: executor, options: options, metrics: metrics)
                } else {
                    model = ServedEmbedder(name: name, encoder: try BertEncoder(directory: url), executor: executor, options: options,
                                           metrics: metrics)
                }
            }
            if let language = model as? ServedLanguageModel, language.tokenizer.vocabularySize > language.model.configuration.vocabularySize {
                log("warning: \(name)'s tokenizer has \(language.tokenizer.vocabularySize) tokens but the model only \(language.model.configuration.vocabularySize); prompts with the others are refused")
            }
            log("serving \(model.kind.rawValue) '\(name)' from \(source.url.path)")
            models.append(model)
        }
        return models
    }

    /// config.json's `model_type`.
    static func modelType(_ directory: URL) throws -> String? {
        let url = directory.appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FileFormatError(url.path, "cannot read the model's config.json (is this a Hugging Face model directory?)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FileFormatError(url.path, "not a JSON object")
        }
        return object["model_type"] as? String
    }
}
