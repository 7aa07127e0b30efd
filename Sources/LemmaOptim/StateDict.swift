import LemmaTensor

/// Reads a state dict for `loadStateDict`, checking as it goes: each key must exist with the expected shape,
/// and `finish()` refuses keys nobody asked for. Tensors are copied, so the optimizer never shares buffers
/// with the caller.
struct StateDictReader {
    let owner: String
    private let entries: [String: Tensor]
    private var used = Set<String>()
    /// The i of every `state.<i>.*` key: the parameters that had state when saved.
    private let stateIndices: Set<Int>

    init(_ entries: [String: Tensor], owner: String) {
        self.entries = entries
        self.owner = "\(owner) state dict"
        stateIndices = Set(entries.keys.compactMap { key in
            let parts = key.split(separator: ".")
            return parts.count == 3 && parts[0] == "state" ? Int(parts[1]) : nil
        })
    }

    func contains(_ key: String) -> Bool { entries[key] != nil }

    /// Whether parameter `index` had state when saved.
    func hasState(_ index: Int) -> Bool { stateIndices.contains(index) }

    mutating func tensor(_ key: String, shape: [Int]) throws -> Tensor {
        guard let value = entries[key] else { throw OptimizerError("\(owner): missing '\(key)', expected shape \(shape)") }
        guard value.shape == shape else {
            throw OptimizerError("\(owner): '\(key)' has shape \(value.shape), expected \(shape)")
        }
        used.insert(key)
        return value.copied()
    }

    mutating func scalar(_ key: String) throws -> Float { try tensor(key, shape: []).item }

    /// A step count, stored as a float scalar (exact below 2^24, as PyTorch's float32 step tensors).
    mutating func count(_ key: String) throws -> Int {
        let value = try scalar(key)
        guard value >= 0, value == value.rounded(), value <= 0x1p24 else {
            throw OptimizerError("\(owner): '\(key)' is \(value), expected a whole number of steps")
        }
        return Int(value)
    }

    /// Throws naming the first key (sorted) that was not read.
    func finish() throws {
        if let extra = entries.keys.filter({ !used.contains($0) }).sorted().first {
            throw OptimizerError("\(owner): unexpected key '\(extra)'")
        }
    }
}

func countTensor(_ steps: Int) -> Tensor { Tensor(scalar: Float(steps)) }

extension Optimizer {
    /// The scheduled values of each group: its learning rate and, where it has one, its momentum.
    func groupStateDict() -> [String: Tensor] {
        var dict: [String: Tensor] = [:]
        for (g, group) in groups.enumerated() {
            dict["param_groups.\(g).lr"] = Tensor(scalar: group.options.learningRate)
            if let momentum = group.options.momentumCoefficient {
                dict["param_groups.\(g).\(Options.momentumKey)"] = Tensor(scalar: momentum)
            }
        }
        return dict
    }

    /// The groups with the values `groupStateDict()` saved, validated; assign them once everything has loaded.
    func readGroups(_ reader: inout StateDictReader) throws -> [ParameterGroup<Options>] {
        var restored = groups
        for g in restored.indices {
            restored[g].options.learningRate = try reader.scalar("param_groups.\(g).lr")
            if restored[g].options.momentumCoefficient != nil {
                restored[g].options.momentumCoefficient = try reader.scalar("param_groups.\(g).\(Options.momentumKey)")
            }
            try restored[g].options.validate(reader.owner)
        }
        return restored
    }
}
