import CLemmaKernels

extension CPUBackend: RecurrentKernels {
    public func recurrentForward(_ cell: RecurrentCell, steps: Int, batch: Int, hidden: Int, lengths: [Int32]?,
                                 directions: [RecurrentDirectionBuffers]) {
        let scratch = directions.map { _ in allocate(batch * cell.gateCount * hidden) }
        run(cell, steps: steps, batch: batch, hidden: hidden, lengths: lengths, directions: directions,
            scratch: scratch, run: lemma_recurrent_forward_directions)
    }

    public func recurrentBackward(_ cell: RecurrentCell, steps: Int, batch: Int, hidden: Int, lengths: [Int32]?,
                                  directions: [RecurrentDirectionBuffers]) {
        let scratch = directions.map { _ in allocate(batch * (cell.stateCount + 1) * hidden) }
        run(cell, steps: steps, batch: batch, hidden: hidden, lengths: lengths, directions: directions,
            scratch: scratch, run: lemma_recurrent_backward_directions)
    }

    private func run(_ cell: RecurrentCell, steps: Int, batch: Int, hidden: Int, lengths: [Int32]?,
                     directions: [RecurrentDirectionBuffers], scratch: [TensorStorage],
                     run: (Int32, Int64, Int64, Int64, UnsafePointer<Int32>?, Int32, UnsafePointer<lemma_recurrent_direction>?) -> Void) {
        let described = zip(directions, scratch).map { d, s in
            lemma_recurrent_direction(
                xp: d.projections.pointer, w_hh_t: d.weightHHTransposed?.pointer, w_hh: d.weightHH.pointer,
                b_hh: d.biasHH.pointer, h0: d.initialHidden.pointer, c0: d.initialCell?.pointer,
                reverse: d.reverse ? 1 : 0, states: d.states.pointer + d.stateOffset, acts: d.activations.pointer,
                prev: d.previous.pointer, scratch: s.pointer, dstates: d.gradStates.map { $0.pointer + d.stateOffset },
                dxp: d.gradProjections?.pointer, dhh: d.gradHH?.pointer, dh0: d.gradInitialHidden?.pointer,
                dc0: d.gradInitialCell?.pointer)
        }
        described.withUnsafeBufferPointer { buffer in
            if let lengths {
                lengths.withUnsafeBufferPointer {
                    run(cell.rawValue, Int64(steps), Int64(batch), Int64(hidden), $0.baseAddress, Int32(buffer.count), buffer.baseAddress)
                }
            } else {
                run(cell.rawValue, Int64(steps), Int64(batch), Int64(hidden), nil, Int32(buffer.count), buffer.baseAddress)
            }
        }
    }
}
