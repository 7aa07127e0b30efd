import LemmaTensor

/// How a loss turns per-element values into its result, as PyTorch's `reduction=`.
public enum Reduction: String, Sendable {
    case mean, sum, none

    func apply(_ values: Tensor) -> Tensor {
        switch self {
        case .mean: values.mean()
        case .sum: values.sum()
        case .none: values
        }
    }
}
