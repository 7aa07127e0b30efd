/// One direction of one recurrent layer over a whole sequence, as a single graph node: its backward pass is
/// a fused backpropagation through time (see `lemma_recurrent.h`), not one node per step.
extension Tensor {
    /// Runs `cell` over time-major input projections `projections` [T, B, G·H] (x W_ihᵀ + b_ih for every
    /// step), with `weightHH` [G·H, H], `biasHH` [G·H] and initial state [B, H] (plus the cell state for LSTM).
    /// Returns the state after every step, [T, B, S·H]: h, then c for LSTM. Steps at or past a row's length
    /// are skipped and left zero; `reverse` runs each row from its last real step back to step 0.
    public static func recurrence(_ cell: RecurrentCell, projections: Tensor, weightHH: Tensor, biasHH: Tensor,
                                  initialHidden: Tensor, initialCell: Tensor? = nil, lengths: [Int32]? = nil,
                                  reverse: Bool = false) -> Tensor {
        guard projections.rank == 3, weightHH.rank == 2 else {
            shapeFailure("recurrence", "projections \(describe(projections.shape)) must be [T, B, G·H] and weight_hh \(describe(weightHH.shape)) [G·H, H]")
        }
        let steps = projections.shape[0], batch = projections.shape[1], hidden = weightHH.shape[1]
        let gates = cell.gateCount * hidden, width = cell.stateCount * hidden
        guard projections.shape[2] == gates, weightHH.shape[0] == gates, biasHH.shape == [gates] else {
            shapeFailure("recurrence", "\(cell) needs projections [T, B, \(gates)], weight_hh [\(gates), \(hidden)] and bias_hh [\(gates)]; got \(describe(projections.shape)), \(describe(weightHH.shape)), \(describe(biasHH.shape))")
        }
        guard initialHidden.shape == [batch, hidden], (cell == .lstm) == (initialCell != nil),
              initialCell.map({ $0.shape == [batch, hidden] }) ?? true else {
            shapeFailure("recurrence", "initial state must be [\(batch), \(hidden)] (and a cell state only for LSTM)")
        }
        if let lengths {
            guard lengths.count == batch, lengths.allSatisfy({ $0 >= 1 && Int($0) <= steps }) else {
                shapeFailure("recurrence", "lengths must be \(batch) values in 1...\(steps), got \(lengths)")
            }
        }
        let backend = projections.backend
        let states = projections.makeOutput([steps, batch, width])
        let activations = backend.allocate(steps * batch * cell.activationCount * hidden)
        let previous = backend.allocate(steps * batch * width)
        let transposedHH = withNoGrad { weightHH.transposed() }
        backend.recurrentForward(cell, steps: steps, batch: batch, hidden: hidden, projections: projections.storage,
                                 weightHHTransposed: transposedHH.storage, biasHH: biasHH.storage,
                                 initialHidden: initialHidden.storage, initialCell: initialCell?.storage,
                                 lengths: lengths, reverse: reverse, states: states.storage, activations: activations,
                                 previous: previous)
        let inputs = [projections, weightHH, biasHH, initialHidden] + (initialCell.map { [$0] } ?? [])
        guard GradMode.isEnabled, inputs.contains(where: \.requiresGrad) else { return states }
        return states.recorded("recurrence", inputs) { [unowned states] g in
            let gradProjections = projections.makeOutput(projections.shape)
            let gradHH = cell == .gru ? projections.makeOutput(projections.shape) : nil
            let gradH0 = initialHidden.makeOutput(initialHidden.shape)
            let gradC0 = initialCell.map { $0.makeOutput($0.shape) }
            backend.recurrentBackward(cell, steps: steps, batch: batch, hidden: hidden, weightHH: weightHH.storage,
                                      lengths: lengths, reverse: reverse, states: states.storage,
                                      activations: activations, previous: previous, gradStates: g.storage,
                                      gradProjections: gradProjections.storage, gradHH: gradHH?.storage,
                                      gradInitialHidden: gradH0.storage, gradInitialCell: gradC0?.storage)
            // dW_hh = Σ_t dgates_tᵀ h_{t-1} and db_hh = Σ_t dgates_t, as one GEMM and one column sum.
            let rows = steps * batch
            let hhGrads = gradHH ?? gradProjections
            let gradW = weightHH.makeOutput(weightHH.shape)
            backend.gemm(hhGrads.storage, offset: 0, transposed: true, lda: gates, previous, offset: 0,
                         transposed: false, ldb: width, gradW.storage, offset: 0, ldc: hidden,
                         m: gates, n: hidden, k: rows, alpha: 1, beta: 0)
            let gradB = biasHH.makeOutput(biasHH.shape)
            backend.sum(hhGrads.storage, gradB.storage, axis: AxisSplit(outer: 1, length: rows, inner: gates))
            return [gradProjections, gradW, gradB, gradH0] + (gradC0.map { [$0] } ?? [])
        }
    }
}
