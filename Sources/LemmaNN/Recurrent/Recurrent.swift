import LemmaTensor

/// The state a recurrent layer ends in: h (and c for LSTM), each [layers · directions, B, H], ordered as in
/// PyTorch (layer 0 forward, layer 0 reverse, layer 1 forward, …).
public struct RecurrentState {
    public var hidden: Tensor
    public var cell: Tensor?

    public init(hidden: Tensor, cell: Tensor? = nil) {
        self.hidden = hidden
        self.cell = cell
    }
}

/// RNN, LSTM and GRU layers with PyTorch's semantics and parameter names: multi-layer, bidirectional,
/// dropout between layers, batch-first or time-major, per-sequence lengths (padded steps neither change
/// the outputs nor receive gradient; their outputs are zero, as with packed sequences).
///
/// Each layer and direction computes its input projections for all steps in one GEMM, then runs the
/// recurrence as one fused op (`Tensor.recurrence`).
public class Recurrent: Module {
    public let cell: RecurrentCell
    public let inputSize: Int, hiddenSize: Int, numLayers: Int
    public let bidirectional: Bool, batchFirst: Bool
    public let dropout: Float
    let dropoutLayer: Dropout?
    /// weights[layer * directions + direction] = [weight_ih, weight_hh, bias_ih, bias_hh]
    public let weights: [[Tensor]]

    init(cell: RecurrentCell, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool,
         dropout: Float, bidirectional: Bool, generator: RandomGenerator?) {
        precondition(numLayers >= 1 && hiddenSize >= 1 && inputSize >= 1, "\(cell): sizes must be positive")
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.bidirectional = bidirectional
        self.batchFirst = batchFirst
        self.dropout = dropout
        dropoutLayer = dropout > 0 && numLayers > 1 ? Dropout(dropout) : nil
        let bound = 1 / Float(hiddenSize).squareRoot()
        let gates = cell.gateCount * hiddenSize
        let directions = bidirectional ? 2 : 1
        weights = (0..<numLayers).flatMap { layer in
            (0..<directions).map { _ in
                let layerInput = layer == 0 ? inputSize : hiddenSize * directions
                var set = [Tensor.uniformParameter([gates, layerInput], bound: bound, generator: generator),
                           Tensor.uniformParameter([gates, hiddenSize], bound: bound, generator: generator)]
                if bias {
                    set += [Tensor.uniformParameter([gates], bound: bound, generator: generator),
                            Tensor.uniformParameter([gates], bound: bound, generator: generator)]
                }
                return set
            }
        }
        super.init()
    }

    public var directions: Int { bidirectional ? 2 : 1 }

    /// PyTorch's keys: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, then …_reverse.
    public override func ownParameters() -> [(key: String, tensor: Tensor)] {
        var result: [(key: String, tensor: Tensor)] = []
        for layer in 0..<numLayers {
            for direction in 0..<directions {
                let suffix = "_l\(layer)" + (direction == 1 ? "_reverse" : "")
                let set = weights[layer * directions + direction]
                let names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
                for (name, tensor) in zip(names, set) { result.append((name + suffix, tensor)) }
            }
        }
        return result
    }

    public override func children() -> [(key: String, module: Module)] { [] }

    /// input: [B, T, input] if batchFirst else [T, B, input]. lengths: real steps per sequence (each ≥ 1).
    /// Returns the top layer's output ([B, T, D·H] or [T, B, D·H]) and the final state of every layer.
    public func callAsFunction(_ input: Tensor, lengths: [Int]? = nil, initialState: RecurrentState? = nil)
        -> (output: Tensor, state: RecurrentState) {
        guard input.rank == 3, input.shape[2] == inputSize else {
            fatalError("\(cell): input \(input.shape) must be [\(batchFirst ? "B, T" : "T, B"), \(inputSize)]")
        }
        var x = batchFirst ? input.transposed(0, 1) : input
        let steps = x.shape[0], batch = x.shape[1], H = hiddenSize
        let stateShape = [numLayers * directions, batch, H]
        if let initialState {
            precondition(initialState.hidden.shape == stateShape, "\(cell): initial hidden state must be \(stateShape), got \(initialState.hidden.shape)")
            precondition((cell == .lstm) == (initialState.cell != nil), "\(cell): an initial cell state is required for LSTM and only for LSTM")
        }
        let lengths32 = lengths.map { $0.map { Int32($0) } }
        let zeros = Tensor.zeros([batch, H])
        let width = cell.stateCount * H
        var finals: [Tensor] = []
        for layer in 0..<numLayers {
            let directions = (0..<directions).map { direction -> RecurrentDirection in
                let index = layer * self.directions + direction
                let set = weights[index]
                func initial(_ state: Tensor?) -> Tensor? {
                    state.map { $0.slice(axis: 0, index..<(index + 1)).reshaped([batch, H]) }
                }
                return RecurrentDirection(
                    projections: x.linear(weight: set[0], bias: set.count > 2 ? set[2] : nil),
                    weightHH: set[1], biasHH: set.count > 3 ? set[3] : Tensor.zeros([cell.gateCount * H]),
                    initialHidden: initial(initialState?.hidden) ?? zeros,
                    initialCell: cell == .lstm ? (initial(initialState?.cell) ?? zeros) : nil,
                    reverse: direction == 1)
            }
            let states = Tensor.recurrence(cell, directions: directions, lengths: lengths32)  // [D, T, B, S·H]
            finals.append(finalSteps(states, lengths: lengths32))
            // Every direction's h side by side, [T, B, D·H] for the next layer, or the output's layout after the
            // last (batch-first [B, T, D·H]), read out of the states in one copy.
            let last = layer == numLayers - 1
            if cell != .lstm, self.directions == 1, !(last && batchFirst) {
                x = states.reshaped([steps, batch, H])  // already [T, B, H]
            } else {
                x = states.permuted(last && batchFirst ? [2, 1, 0, 3] : [1, 2, 0, 3], slicing: 3, 0..<H)
                    .reshaped(last && batchFirst ? [batch, steps, self.directions * H] : [steps, batch, self.directions * H])
            }
            if !last, let dropoutLayer, isTraining { x = dropoutLayer(x) }
        }
        let output = x
        let final = Tensor.concat(finals, axis: 0)  // [L·D, B, S·H]
        let state = cell == .lstm
            ? RecurrentState(hidden: final.slice(axis: 2, 0..<H), cell: final.slice(axis: 2, H..<width))
            : RecurrentState(hidden: final)
        return (output, state)
    }

    /// The state each row ends in, per direction: [D, B, S·H]. Going forward that is step T-1 (or the row's
    /// last real step), in reverse step 0.
    private func finalSteps(_ states: Tensor, lengths: [Int32]?) -> Tensor {
        let count = states.shape[0], steps = states.shape[1], batch = states.shape[2], width = states.shape[3]
        // Every row ends at the same step when there are no lengths: a view for a single step (a decoder
        // stepping one token at a time), else a slice per direction, instead of a gather.
        if lengths == nil {
            if steps == 1 { return states.reshaped([count, batch, width]) }
            let ends = (0..<count).map { direction in
                states.slice(axis: 0, direction..<(direction + 1))
                    .slice(axis: 1, direction == 1 ? 0..<1 : (steps - 1)..<steps).reshaped([1, batch, width])
            }
            return count == 1 ? ends[0] : Tensor.concat(ends, axis: 0)
        }
        var index: [Int32] = []
        for direction in 0..<count {
            for row in 0..<batch {
                let step = direction == 1 ? 0 : Int32(lengths?[row] ?? Int32(steps)) - 1
                index += Array(repeating: Int32(direction * steps) + step, count: width)
            }
        }
        return states.reshaped([count * steps, batch, width]).gather(axis: 0, IndexTensor(index, shape: [count, batch, width]))
    }
}
