import CLemmaKernels

extension CPUBackend: RecurrentKernels {
    public func recurrentForward(_ cell: RecurrentCell, steps: Int, batch: Int, hidden: Int,
                                 projections: TensorStorage, weightHHTransposed: TensorStorage, biasHH: TensorStorage,
                                 initialHidden: TensorStorage, initialCell: TensorStorage?, lengths: [Int32]?,
                                 reverse: Bool, states: TensorStorage, activations: TensorStorage,
                                 previous: TensorStorage) {
        let scratch = allocate(batch * cell.gateCount * hidden)
        withOptionalLengths(lengths) { lengthPointer in
            lemma_recurrent_forward(cell.rawValue, Int64(steps), Int64(batch), Int64(hidden), projections.pointer,
                                    weightHHTransposed.pointer, biasHH.pointer, initialHidden.pointer,
                                    initialCell?.pointer, lengthPointer, reverse ? 1 : 0, states.pointer,
                                    activations.pointer, previous.pointer, scratch.pointer)
        }
    }

    public func recurrentBackward(_ cell: RecurrentCell, steps: Int, batch: Int, hidden: Int, weightHH: TensorStorage,
                                  lengths: [Int32]?, reverse: Bool, states: TensorStorage, activations: TensorStorage,
                                  previous: TensorStorage, gradStates: TensorStorage, gradProjections: TensorStorage,
                                  gradHH: TensorStorage?, gradInitialHidden: TensorStorage,
                                  gradInitialCell: TensorStorage?) {
        let scratch = allocate(batch * (cell.stateCount + 1) * hidden)
        withOptionalLengths(lengths) { lengthPointer in
            lemma_recurrent_backward(cell.rawValue, Int64(steps), Int64(batch), Int64(hidden), weightHH.pointer,
                                     lengthPointer, reverse ? 1 : 0, states.pointer, activations.pointer,
                                     previous.pointer, gradStates.pointer, gradProjections.pointer, gradHH?.pointer,
                                     gradInitialHidden.pointer, gradInitialCell?.pointer, scratch.pointer)
        }
    }

    private func withOptionalLengths(_ lengths: [Int32]?, _ body: (UnsafePointer<Int32>?) -> Void) {
        guard let lengths else { return body(nil) }
        lengths.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
