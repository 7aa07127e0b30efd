import Foundation

/// What a served model does, which decides its endpoints.
public enum ModelKind: String, Sendable {
    case classifier
    case embedder
    case languageModel = "language_model"
    case translator
    case im2latex
}

/// A model behind the server, under a name clients use in `"model"` (its run or directory's name).
protocol ServedModel: AnyObject, Sendable {
    var name: String { get }
    var kind: ModelKind { get }
    /// Facts for `GET /v1/models` (classes, dimension, positions, …).
    var details: [String: Any] { get }
}
