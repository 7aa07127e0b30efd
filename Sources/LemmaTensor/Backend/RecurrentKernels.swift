/// Whole-sequence recurrences a backend provides (part of `Backend`). Buffers are time-major; see
/// `lemma_recurrent.h` for the exact layouts. Several directions run together (a bidirectional layer), so a
/// backend can run them concurrently.
public protocol RecurrentKernels {
    func recurrentForward(_ cell: RecurrentCell, steps: Int, batch: Int, hidden: Int, lengths: [Int32]?,
                          directions: [RecurrentDirectionBuffers])
    func recurrentBackward(_ cell: RecurrentCell, steps: Int, batch: Int, hidden: Int, lengths: [Int32]?,
                           directions: [RecurrentDirectionBuffers])
}

/// The buffers of one direction: inputs and saved state for the forward pass, and the gradient buffers
/// (nil until the backward pass).
public struct RecurrentDirectionBuffers {
    /// `weightHHTransposed`: W_hhᵀ [H, G·H] for the forward steps, or nil to multiply by `weightHH`
    /// transposed in place.
    public var projections, weightHH: TensorStorage, weightHHTransposed: TensorStorage?
    public var biasHH, initialHidden: TensorStorage
    public var initialCell: TensorStorage?
    public var reverse: Bool
    /// `states` and `gradStates` hold this direction at element `stateOffset` (all directions share them).
    public var states: TensorStorage, stateOffset: Int
    public var activations, previous: TensorStorage
    public var gradStates, gradProjections, gradHH, gradInitialHidden, gradInitialCell: TensorStorage?
}

/// The recurrent cells, in PyTorch's gate order (LSTM i, f, g, o; GRU r, z, n).
public enum RecurrentCell: Int32, Sendable {
    case rnnTanh, rnnRelu, lstm, gru

    /// Gate blocks in the weight matrices (the G in [G·H, input]).
    public var gateCount: Int { self == .lstm ? 4 : self == .gru ? 3 : 1 }
    /// Vectors of state per step: LSTM carries h and c.
    public var stateCount: Int { self == .lstm ? 2 : 1 }
    /// Saved activations per step and hidden unit.
    var activationCount: Int { self == .lstm || self == .gru ? 4 : 1 }
}
