/// A problem with how an optimizer or schedule was configured or restored, in one line:
/// `Adam: beta1 is 1.0, must be in [0, 1)` or `SGD state dict: 'state.0.momentum_buffer' has shape [5], expected [4, 5]`.
public struct OptimizerError: Error, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// Throws unless `isValid`: "<owner>: <option> is <value>, must be <requirement>".
func require(_ isValid: Bool, _ owner: String, _ option: String, _ value: Any, _ requirement: String) throws {
    guard isValid else { throw OptimizerError("\(owner): \(option) is \(value), must be \(requirement)") }
}

/// A finite number >= 0: what learning rates, epsilons and weight decays must be.
func isNonNegative(_ value: Float) -> Bool { value >= 0 && value.isFinite }
