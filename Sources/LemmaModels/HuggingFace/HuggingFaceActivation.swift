import LemmaTensor

/// The feed-forward activation a Hugging Face config names (BERT's `hidden_act`, GPT-2's `activation_function`).
public enum HuggingFaceActivation: String, Sendable, Equatable {
    /// "gelu": the exact, erf-based GELU of the original BERT.
    case gelu
    /// "gelu_new", "gelu_pytorch_tanh", "gelu_fast": GELU's tanh approximation (the same function, computed
    /// three ways in transformers).
    case geluTanh = "gelu_new"
    case relu
    /// "silu" / "swish": x·sigmoid(x).
    case silu
    case tanh

    /// The activation for a Hugging Face `hidden_act` name, nil when it is not one of these.
    public init?(huggingFaceName name: String) {
        switch name {
        case "gelu": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
        case "relu": self = .relu
        case "silu", "swish": self = .silu
        case "tanh": self = .tanh
        default: return nil
        }
    }

    public static let supportedNames = ["gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "silu", "swish", "tanh"]

    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .gelu: x.gelu()
        case .geluTanh: x.geluTanh()
        case .relu: x.relu()
        case .silu: x * x.sigmoid()
        case .tanh: x.tanh()
        }
    }
}
