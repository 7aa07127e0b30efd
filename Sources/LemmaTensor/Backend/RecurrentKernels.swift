/// Whole-sequence recurrences a backend provides (part of `Backend`). Buffers are time-major; see
/// `lemma_recurrent.h` for the exact layouts.
public protocol RecurrentKernels {
    func recurrentForward(_ cell: RecurrentCell, steps: Int, batch: Int, hidden: Int, projections: TensorStorage,
                          weightHHTransposed: TensorStorage, biasHH: TensorStorage, initialHidden: TensorStorage,
                          initialCell: TensorStorage?, lengths: [Int32]?, reverse: Bool, states: TensorStorage,
                          activations: TensorStorage, previous: TensorStorage)
    func recurrentBackward(_ cell: RecurrentCell, steps: Int, batch: Int, hidden: Int, weightHH: TensorStorage,
                           lengths: [Int32]?, reverse: Bool, states: TensorStorage, activations: TensorStorage,
                           previous: TensorStorage, gradStates: TensorStorage, gradProjections: TensorStorage,
                           gradHH: TensorStorage?, gradInitialHidden: TensorStorage, gradInitialCell: TensorStorage?)
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
