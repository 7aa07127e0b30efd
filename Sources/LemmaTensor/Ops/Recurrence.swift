/// Recurrent layers' core op: one or more independent directions of a recurrence over a whole sequence, as
/// a single graph node whose backward pass is a fused backpropagation through time (see
/// `lemma_recurrent.h`), not one node per step.
public struct RecurrentDirection {
    /// Time-major input projections [T, B, G·H]: x W_ihᵀ + b_ih for every step.
    public var projections: Tensor
    /// [G·H, H] and [G·H].
    public var weightHH: Tensor, biasHH: Tensor
    /// [B, H]; the cell state only for LSTM.
    public var initialHidden: Tensor, initialCell: Tensor?
    /// Run each row from its last real step back to step 0.
    public var reverse: Bool

    public init(projections: Tensor, weightHH: Tensor, biasHH: Tensor, initialHidden: Tensor,
                initialCell: Tensor? = nil, reverse: Bool = false) {
        self.projections = projections
        self.weightHH = weightHH
        self.biasHH = biasHH
        self.initialHidden = initialHidden
        self.initialCell = initialCell
        self.reverse = reverse
    }

    var inputs: [Tensor] { [projections, weightHH, biasHH, initialHidden] + (initialCell.map { [$0] } ?? []) }
}

extension Tensor {
    /// Runs `cell` over every direction (same T, B, H) and returns each one's state after every step,
    /// [D, T, B, S·H]: h, then c for LSTM. Steps at or past a row's length are skipped and left zero.
    public static func recurrence(_ cell: RecurrentCell, directions: [RecurrentDirection], lengths: [Int32]? = nil) -> Tensor {
        guard let first = directions.first, first.projections.rank == 3, first.weightHH.rank == 2 else {
            shapeFailure("recurrence", "needs at least one direction with projections [T, B, G·H] and weight_hh [G·H, H]")
        }
        let steps = first.projections.shape[0], batch = first.projections.shape[1], hidden = first.weightHH.shape[1]
        let gates = cell.gateCount * hidden, width = cell.stateCount * hidden
        for d in directions {
            guard d.projections.shape == [steps, batch, gates], d.weightHH.shape == [gates, hidden], d.biasHH.shape == [gates] else {
                shapeFailure("recurrence", "\(cell) needs projections [\(steps), \(batch), \(gates)], weight_hh [\(gates), \(hidden)] and bias_hh [\(gates)]; got \(describe(d.projections.shape)), \(describe(d.weightHH.shape)), \(describe(d.biasHH.shape))")
            }
            guard d.initialHidden.shape == [batch, hidden], (cell == .lstm) == (d.initialCell != nil),
                  d.initialCell.map({ $0.shape == [batch, hidden] }) ?? true else {
                shapeFailure("recurrence", "initial state must be [\(batch), \(hidden)] (and a cell state only for LSTM)")
            }
        }
        if let lengths {
            guard lengths.count == batch, lengths.allSatisfy({ $0 >= 1 && Int($0) <= steps }) else {
                shapeFailure("recurrence", "lengths must be \(batch) values in 1...\(steps), got \(lengths)")
            }
        }
        let backend = first.projections.backend
        let perDirection = steps * batch * width
        // W_hhᵀ laid out for the step GEMMs pays for its copy over a sequence; a decoder stepping one token at a
        // time multiplies by W_hh transposed in place instead.
        let transposeWeights = steps > 1
        let states = first.projections.makeOutput([directions.count, steps, batch, width])
        var buffers = directions.enumerated().map { i, d in
            RecurrentDirectionBuffers(
                projections: d.projections.storage, weightHH: d.weightHH.storage,
                weightHHTransposed: transposeWeights ? withNoGrad { d.weightHH.transposed() }.storage : nil,
                biasHH: d.biasHH.storage,
                initialHidden: d.initialHidden.storage, initialCell: d.initialCell?.storage, reverse: d.reverse,
                states: states.storage, stateOffset: i * perDirection,
                activations: backend.allocate(steps * batch * cell.activationCount * hidden),
                previous: backend.allocate(perDirection))
        }
        backend.recurrentForward(cell, steps: steps, batch: batch, hidden: hidden, lengths: lengths, directions: buffers)
        let inputs = directions.flatMap(\.inputs)
        guard GradMode.isEnabled, inputs.contains(where: \.requiresGrad) else { return states }
        return states.recorded("recurrence", inputs) { g in
            var grads: [Tensor?] = []
            for i in buffers.indices {
                let d = directions[i]
                buffers[i].gradStates = g.storage
                buffers[i].gradProjections = backend.allocate(d.projections.count)
                buffers[i].gradHH = cell == .gru ? backend.allocate(d.projections.count) : nil
                buffers[i].gradInitialHidden = backend.allocate(batch * hidden)
                buffers[i].gradInitialCell = d.initialCell.map { _ in backend.allocate(batch * hidden) }
            }
            backend.recurrentBackward(cell, steps: steps, batch: batch, hidden: hidden, lengths: lengths, directions: buffers)
            for (i, b) in buffers.enumerated() {
                let d = directions[i]
                // dW_hh = Σ_t dgates_tᵀ h_{t-1} and db_hh = Σ_t dgates_t, as one GEMM and one column sum.
                let rows = steps * batch
                let hhGrads = b.gradHH ?? b.gradProjections!
                if d.weightHH.requiresGrad && rows < DeferredProducts.rowLimit {
                    // One step of a decoder: gathered with its other steps. For LSTM the h half of each row is
                    // copied out; for RNN/GRU `previous` is h alone and is shared (never written after the forward).
                    let previous = Tensor(shape: [rows, width], storage: b.previous)
                    d.weightHH.accumulateProduct(Tensor(shape: [rows, gates], storage: hhGrads),
                                                 width == hidden ? previous : previous.slice(axis: 1, 0..<hidden),
                                                 batch: 1, rows: rows, m: gates, n: hidden)
                } else if d.weightHH.requiresGrad {
                    d.weightHH.accumulateGradient { gradW, accumulate in
                        backend.gemm(hhGrads, offset: 0, transposed: true, lda: gates, b.previous, offset: 0,
                                     transposed: false, ldb: width, gradW.storage, offset: 0, ldc: hidden,
                                     m: gates, n: hidden, k: rows, alpha: 1, beta: accumulate ? 1 : 0)
                    }
                }
                let gradB = d.biasHH.makeOutput(d.biasHH.shape)
                backend.sum(hhGrads, gradB.storage, axis: AxisSplit(outer: 1, length: rows, inner: gates))
                grads += [Tensor(shape: d.projections.shape, storage: b.gradProjections!), nil, gradB,
                          Tensor(shape: [batch, hidden], storage: b.gradInitialHidden!)]
                if let c = b.gradInitialCell { grads.append(Tensor(shape: [batch, hidden], storage: c)) }
            }
            return grads
        }
    }
}
