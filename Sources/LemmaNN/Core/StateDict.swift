import Foundation
import LemmaTensor

/// A problem matching a state dict to a module: the key and what was expected.
public struct StateDictError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
}

extension Module {
    /// Every parameter and buffer by dotted key (the tensors themselves, not copies).
    public func stateDict() -> [String: Tensor] {
        Dictionary((namedParameters() + namedBuffers()).map { ($0.key, $0.tensor) }, uniquingKeysWith: { first, _ in first })
    }

    /// Copies values into this module's parameters and buffers in place (optimizers keep their references). With
    /// `strict`, missing and unexpected keys are errors; shapes must always match. Nothing is written unless
    /// every key checks out.
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws {
        let own = namedParameters() + namedBuffers()
        var problems: [String] = []
        for (key, tensor) in own {
            guard let value = state[key] else {
                if strict { problems.append("missing key '\(key)' (expected shape \(tensor.shape))") }
                continue
            }
            if value.shape != tensor.shape {
                problems.append("key '\(key)' has shape \(value.shape), the model expects \(tensor.shape)")
            }
        }
        if strict {
            let known = Set(own.map(\.key))
            problems += state.keys.filter { !known.contains($0) }.sorted().map { "unexpected key '\($0)'" }
        }
        guard problems.isEmpty else {
            let shown = problems.prefix(5).joined(separator: "; ")
            throw StateDictError(message: problems.count > 5 ? "\(shown); and \(problems.count - 5) more" : shown)
        }
        withNoGrad {
            for (key, tensor) in own {
                guard let value = state[key] else { continue }
                tensor.backend.copy(value.storage, to: tensor.storage)
            }
        }
    }

    /// Writes the parameters as a safetensors file (atomically).
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try Safetensors.write(stateDict(), metadata: metadata, to: url)
    }

    /// Loads parameters from a safetensors file (F32, F16, BF16 or F64).
    public func load(from url: URL, strict: Bool = true) throws {
        let file = try SafetensorsFile(url: url)
        do {
            try loadStateDict(try file.floatTensors(), strict: strict)
        } catch let error as StateDictError {
            throw FileFormatError(url.path, error.message)
        }
    }
}
