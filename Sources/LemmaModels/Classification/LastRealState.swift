import LemmaData
import LemmaNN
import LemmaTensor

extension Recurrent {
    /// Runs the layer over batch-first `input` [B, T, in] and returns its top layer's state at each row's last
    /// real token, [B, D·H]: the forward direction after step `lengths[row] - 1` (not the padded end), and
    /// for a bidirectional layer, beside it, the reverse direction after step 0 (it starts at the last real
    /// token). Padding steps are never consumed, so a row's result does not depend on the batch's padding.
    func lastRealState(_ input: Tensor, lengths: [Int]) -> Tensor {
        precondition(batchFirst, "lastRealState: the layer must be batch-first")
        let hidden = self(input, lengths: lengths).state.hidden  // [layers · D, B, H]
        let rows = input.shape[0]
        let top = hidden.slice(axis: 0, (numLayers - 1) * directions..<(numLayers * directions))  // [D, B, H]
        return directions == 1 ? top.reshaped([rows, hiddenSize])
            : top.permuted([1, 0, 2]).reshaped([rows, directions * hiddenSize])
    }
}

extension Batch {
    /// The lengths recurrent layers run for, which must be at least one step: an empty sequence reads its
    /// first (padding) step, so that it still gets a prediction.
    var recurrentLengths: [Int] { lengths.map { max($0, 1) } }
}
